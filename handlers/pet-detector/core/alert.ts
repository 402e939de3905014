/** The SNS alert for an uncertain result: someone should look at the image in others/. */
export function uncertainAlert(input: {
  imageId: string;
  bestGuess: string;
  confidence: number;
  location: string;
}): { subject: string; message: string } {
  return {
    subject: `Uncertain classification: ${input.imageId}`.slice(0, 100),
    message: [
      `Image ${input.imageId} could not be classified with confidence.`,
      `Best guess: ${input.bestGuess} (${input.confidence.toFixed(1)} %).`,
      `Filed in others/ at ${input.location}; please review it.`,
    ].join('\n'),
  };
}
