import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// s3rver ships no types; what is used of it is typed here.
// @ts-expect-error: no declaration file
import S3rver from "s3rver";
import type { S3Destination } from "../../src/sandbox/engine/s3-backups.ts";

/**
 * A real S3-compatible server on loopback (npm `s3rver`, files on disk), for the engine tier's
 * backups: Dokploy's rclone commands talk to it as to any S3 destination.
 */
export async function startS3Server(bucket = "backups"): Promise<{ destination: S3Destination; stop(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] }) as {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  };
  const { port } = await server.run();
  return {
    // s3rver's fixed credentials.
    destination: {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      accessKey: "S3RVER",
      secretAccessKey: "S3RVER",
      region: "us-east-1",
      provider: "Other",
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
