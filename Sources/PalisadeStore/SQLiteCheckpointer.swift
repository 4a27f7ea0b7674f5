import CSQLite
import NIOPosix
import Synchronization

/// Checkpoints the WAL on a connection and thread of its own, so that the single writer only appends
/// its commits to the WAL and never copies pages back into the database file nor waits for their sync
/// (profiled, those copies were a large part of the writer thread and behind the ingest p99).
/// The writer's WAL hook reports the WAL's size after each commit; from ``threshold`` pages on, a
/// PASSIVE checkpoint runs, which takes no writer lock, so commits go on meanwhile. SQLite starts the
/// WAL from its beginning again at the first commit after a checkpoint has copied everything back.
final class SQLiteCheckpointer: Sendable {
    /// 8,192 pages (32 MiB): a page changed by many commits (an index leaf) is copied back once per
    /// checkpoint, not once per commit.
    static let threshold: Int32 = 8192
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

    /// Called on the writer's thread after each commit, with the pages now in the WAL.
    func walGrew(pages: Int32) {
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
