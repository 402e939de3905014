// Functions of the SNS fixture app: one logs the SNS events it receives, one publishes through the
// embedded SNS with a plain form POST (the asset has no node_modules), reading AWS_ENDPOINT_URL_SNS.
export const handler = async (event) => {
  console.log(JSON.stringify({ received: event }));
  return 'ok';
};

export const publish = async (event) => {
  const body = new URLSearchParams({
    Action: 'Publish',
    Version: '2010-03-31',
    TopicArn: process.env.TOPIC_ARN,
    Message: event.message,
    Subject: event.subject,
  });
  const response = await fetch(process.env.AWS_ENDPOINT_URL_SNS, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return { status: response.status, body: await response.text(), endpoint: process.env.AWS_ENDPOINT_URL_SNS };
};
