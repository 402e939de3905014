import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyResult } from 'aws-lambda';

/** The dashboard's files, served by us (no CDN): path of the API resource -> file and type. */
export const dashboardAssets: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', contentType: 'text/css; charset=utf-8' },
};

/**
 * Serves the page's files from `dir` (read once per environment). They hold no data: every number
 * the page shows comes from the API, with the caller's key.
 */
export class AssetServer {
  private readonly loaded = new Map<string, Promise<string>>();

  constructor(private readonly dir: URL) {}

  async serve(resource: string): Promise<APIGatewayProxyResult | undefined> {
    const asset = dashboardAssets[resource];
    if (!asset) return undefined;
    let text = this.loaded.get(asset.file);
    if (!text) {
      text = readFile(new URL(asset.file, this.dir), 'utf8');
      this.loaded.set(asset.file, text);
    }
    return {
      statusCode: 200,
      headers: {
        'content-type': asset.contentType,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        // everything from our own origin; images from blobs the page makes of the chart responses
        'content-security-policy':
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'",
      },
      body: await text,
    };
  }
}
