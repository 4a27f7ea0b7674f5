import CSQLite
import NIOPosix
import Synchronization

/// Checkpoints the WAL on a connection and thread of its own, so that the single writer only appends
/// its commits to the WAL and never copies pages back into the database file nor waits for their sync
/// (profiled, WAL writes and checkpoint copies were 17 % of all samples, on the writer thread).
/// The writer's WAL hook reports the WAL's size after each commit; from ``threshold`` pages on, a
/// PASSIVE checkpoint runs, which takes no writer lock, so commits go on meanwhile. SQLite starts the
/// WAL from its beginning again only at a commit that finds everything copied back, which a checkpoint
/// racing a busy writer may never see: from ``limit`` pages on, the writer itself finishes the copy
/// (little is left by then), as SQLite's automatic checkpoint would, so the WAL stays bounded.
final class SQLiteCheckpointer: Sendable {
    /// 8,192 pages (32 MiB): a page changed by many commits (an index leaf) is copied back once per
    /// checkpoint, not once per commit.
    static let threshold: Int32 = 8192
    static let limit: Int32 = 2 * threshold
    private let connection: SQLiteConnection
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let running = Atomic<Bool>(false)

    init(path: String) throws(StoreError) {
        connection = try SQLiteConnection(path: path)
        // A connection that has not read the file yet does not know it is in WAL mode, and its
        // checkpoints would do nothing.
        try connection.execute("PRAGMA journal_mode=WAL")
        thread.start()
    }

    /// Called on the writer's thread after each commit (`writer` is its handle), with the pages now in
    /// the WAL.
    func walGrew(pages: Int32, writer: OpaquePointer?) {
        if pages >= Self.limit {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            return
        }
        guard pages >= Self.threshold,
              running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        thread.submit { state in
            if state == .active { self.connection.checkpoint() }
            self.running.store(false, ordering: .releasing)
        }
    }

    /// Call after the writer is closed: the last connection to close checkpoints what is left.
    func close() async {
        try? await thread.shutdownGracefully()
        connection.close()
    }
}
