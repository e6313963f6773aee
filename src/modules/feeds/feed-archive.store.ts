import { join } from 'node:path';
import { FilesystemSampleStore } from '../../storage/filesystem-sample-store';

/**
 * Where built archives live: DATA_DIR/feed-archives, content-addressed by the archive's SHA-256 like
 * samples (atomic publication, 0600 files), but apart from the sample store, so that the removal of
 * unreferenced samples can never take an archive. Every process serving downloads must see the
 * same DATA_DIR as the one running the `feeds.archives` job.
 */
export class FeedArchiveStore extends FilesystemSampleStore {}

export async function createFeedArchiveStore(dataDir: string): Promise<FeedArchiveStore> {
  const store = new FeedArchiveStore(join(dataDir, 'feed-archives'));
  await store.init();
  return store;
}
