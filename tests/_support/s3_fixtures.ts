/**
 * A loopback S3 holding testdata fixtures under a prefix of the `private` bucket, with the options
 * (endpoint, signing keys) that reach it.
 *
 * @module
 */
import { after } from "node:test";
import { testdataFile } from "./fixtures.ts";
import { type S3TestServer, startS3Server } from "./s3_server.ts";

/**
 * Start the verifying S3 proxy (stopped after the test file) and store fixtures as
 * `private/PREFIX/NAME`.
 *
 * @param prefix Key prefix, without slashes.
 * @param names Fixture file names in `testdata/`.
 * @returns The server, and source options with its endpoint and keys.
 */
export async function s3WithFixtures(prefix: string, names: readonly string[]): Promise<{
  s3: S3TestServer;
  options: { endpoint: string; env: Record<string, string> };
}> {
  const s3 = await startS3Server();
  after(() => s3.close());
  for (const name of names) await s3.putObject("private", `${prefix}/${name}`, testdataFile(name));
  const env = {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return { s3, options: { endpoint: s3.endpoint, env } };
}
