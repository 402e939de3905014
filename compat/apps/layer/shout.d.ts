// `shout` comes from the layer at run time (layer/nodejs/node_modules/shout), not from the project.
declare module 'shout' {
  export function shout(text: string): string;
  export const version: string;
}
