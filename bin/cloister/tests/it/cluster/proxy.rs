//! TCP proxies in front of every node's cluster port, and the per-directed-link faults the test
//! sets on them: pass, delay, blackhole.
//!
//! Every node is configured to reach node `j` at `j`'s *front* proxy, which forwards to `j`'s
//! real cluster port. The proxy cannot rely on which address a node dialled: openraft dials
//! the address stored in the Raft membership, which the first validator wrote from its own
//! node.toml, so every node dials node `j` at the same address. Instead each accepted
//! connection is attributed to the node process that owns the dialling socket (its inode in
//! `/proc/net/tcp`, found among `/proc/<pid>/fd` of the node processes the harness started).
//! A connection from node `i` to node `j` then carries `i → j` bytes (requests) and `j → i`
//! bytes (answers); each direction obeys the fault set on that directed link.
//!
//! Blackhole: bytes are read and discarded (the other end sees silence, as in a partition); a
//! connection that lost bytes is closed once the link heals (its TLS stream is broken), and a
//! connection opened across a blackholed link is held silent, never forwarded, and closed on
//! heal. Delay: each chunk is written `delay` after it was read. Bounded: at most
//! [`MAX_CONNECTIONS`] per front, [`QUEUE_CHUNKS`] chunks in flight per direction, and every
//! thread checks the stop flag at least every [`TICK`].

use std::{
    collections::{BTreeMap, HashMap},
    io::{ErrorKind, Read as _, Write as _},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc::{Receiver, SyncSender, TrySendError, sync_channel},
    },
    thread,
    time::{Duration, Instant},
};

/// Connections one front proxy serves at once; more are dropped.
pub const MAX_CONNECTIONS: usize = 128;
/// Chunks queued per direction of one connection (each at most [`CHUNK`] bytes).
pub const QUEUE_CHUNKS: usize = 256;
/// Read size.
const CHUNK: usize = 16 * 1024;
/// How often blocked threads look at the stop flag and the links.
pub const TICK: Duration = Duration::from_millis(50);
/// The largest delay a link may be given.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// What a directed link does to the bytes crossing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Forwarded at once.
    Pass,
    /// Forwarded this long after they were read.
    Delay(Duration),
    /// Discarded: a partition.
    Blackhole,
}

/// The state every proxy thread shares.
#[derive(Debug, Default)]
struct Shared {
    /// Faults by (from node, to node); absent means [`Link::Pass`].
    links: Mutex<HashMap<(usize, usize), Link>>,
    /// The pid of each running node process, by node index.
    pids: Mutex<BTreeMap<usize, u32>>,
    stop: AtomicBool,
    /// Connections nobody could be found to own (dropped).
    unattributed: AtomicUsize,
    /// Connections accepted.
    accepted: AtomicUsize,
}

impl Shared {
    fn link(&self, from: usize, to: usize) -> Link {
        *self
            .links
            .lock()
            .expect("links")
            .get(&(from, to))
            .unwrap_or(&Link::Pass)
    }

    /// Whether either direction between `a` and `b` is blackholed.
    fn cut(&self, a: usize, b: usize) -> bool {
        self.link(a, b) == Link::Blackhole || self.link(b, a) == Link::Blackhole
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// The front proxies of a cluster, one per node index.
#[derive(Debug)]
pub struct Proxies {
    shared: Arc<Shared>,
    fronts: Vec<SocketAddr>,
}

impl Proxies {
    /// Starts one front per entry of `targets` (node `j`'s real cluster address), each on a
    /// loopback port the OS picks and this object holds.
    pub fn start(targets: &[SocketAddr]) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let mut fronts = Vec::with_capacity(targets.len());
        for (index, target) in targets.iter().enumerate() {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            listener.set_nonblocking(true)?;
            fronts.push(listener.local_addr()?);
            let (shared, target) = (Arc::clone(&shared), *target);
            thread::Builder::new()
                .name(format!("proxy-front-{index}"))
                .spawn(move || accept_loop(&shared, &listener, index, target))?;
        }
        Ok(Self { shared, fronts })
    }

    /// The address nodes use to reach node `index`.
    pub fn front(&self, index: usize) -> SocketAddr {
        self.fronts[index]
    }

    /// Records the pid of node `index`'s process (None once it is gone).
    pub fn set_pid(&self, index: usize, pid: Option<u32>) {
        let mut pids = self.shared.pids.lock().expect("pids");
        match pid {
            Some(pid) => pids.insert(index, pid),
            None => pids.remove(&index),
        };
    }

    /// Sets the fault of the directed link `from → to`.
    pub fn set(&self, from: usize, to: usize, link: Link) {
        if let Link::Delay(delay) = link {
            assert!(delay <= MAX_DELAY, "delay {delay:?} beyond {MAX_DELAY:?}");
        }
        let mut links = self.shared.links.lock().expect("links");
        if link == Link::Pass {
            links.remove(&(from, to));
        } else {
            links.insert((from, to), link);
        }
    }

    /// Cuts `node` off from every node in `others`, both directions.
    pub fn isolate(&self, node: usize, others: &[usize]) {
        for &other in others.iter().filter(|&&o| o != node) {
            self.set(node, other, Link::Blackhole);
            self.set(other, node, Link::Blackhole);
        }
    }

    /// Every link back to pass.
    pub fn heal(&self) {
        self.shared.links.lock().expect("links").clear();
    }

    /// (connections accepted, connections dropped for want of an owner).
    pub fn stats(&self) -> (usize, usize) {
        (
            self.shared.accepted.load(Ordering::SeqCst),
            self.shared.unattributed.load(Ordering::SeqCst),
        )
    }

    /// Stops every proxy thread (each within about one [`TICK`]) and drops its connections.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxies {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener, to: usize, target: SocketAddr) {
    let active = Arc::new(AtomicUsize::new(0));
    let front_port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, peer)) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS
                    || stream.set_nonblocking(false).is_err()
                {
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let (shared, active) = (Arc::clone(shared), Arc::clone(&active));
                let spawned = thread::Builder::new()
                    .name(format!("proxy-conn-{to}"))
                    .spawn(move || {
                        serve(&shared, stream, peer.port(), front_port, to, target);
                        active.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    // Out of threads: the connection was dropped with the closure.
                    continue;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(5)),
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Handles one accepted connection to node `to` until it closes or the proxies stop.
fn serve(
    shared: &Arc<Shared>,
    client: TcpStream,
    client_port: u16,
    front_port: u16,
    to: usize,
    target: SocketAddr,
) {
    let mut from = None;
    for _ in 0..4 {
        from = owner(shared, client_port, front_port);
        if from.is_some() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    let Some(from) = from else {
        let n = shared.unattributed.fetch_add(1, Ordering::SeqCst);
        if n < 5 {
            let pids = shared.pids.lock().expect("pids").clone();
            eprintln!(
                "proxy: connection from port {client_port} to node{to}'s front {front_port} owned by no node process (socket inode {:?}; pids {pids:?}); dropped",
                socket_inode(client_port, front_port)
            );
        }
        return;
    };
    if shared.cut(from, to) {
        hold(shared, client, from, to);
        return;
    }
    let Ok(upstream) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (Ok(client2), Ok(upstream2)) = (client.try_clone(), upstream.try_clone()) else {
        return;
    };
    let conn = Arc::new(Connection {
        sockets: vec![client2, upstream2],
        closed: AtomicBool::new(false),
        tainted: AtomicBool::new(false),
        finished: AtomicUsize::new(0),
    });
    let Ok(client_w) = client.try_clone() else {
        return;
    };
    let Ok(upstream_w) = upstream.try_clone() else {
        return;
    };
    let forward = {
        let (shared, conn) = (Arc::clone(shared), Arc::clone(&conn));
        thread::Builder::new()
            .name(format!("proxy-{from}-{to}"))
            .spawn(move || pump(&shared, &conn, client, upstream_w, from, to))
    };
    let backward = {
        let (shared, conn) = (Arc::clone(shared), Arc::clone(&conn));
        thread::Builder::new()
            .name(format!("proxy-{to}-{from}"))
            .spawn(move || pump(&shared, &conn, upstream, client_w, to, from))
    };
    for handle in [forward, backward].into_iter().flatten() {
        let _ = handle.join();
    }
    conn.close();
}

/// A connection opened across a cut link: read and discarded, never forwarded, closed when
/// the link heals (the dialler then dials again) or the proxies stop.
fn hold(shared: &Shared, mut client: TcpStream, from: usize, to: usize) {
    let _ = client.set_read_timeout(Some(TICK));
    let mut buf = vec![0u8; CHUNK];
    while !shared.stopped() && shared.cut(from, to) {
        match client.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// Both sockets of one proxied connection.
struct Connection {
    sockets: Vec<TcpStream>,
    closed: AtomicBool,
    /// Bytes were discarded: the stream is broken and is closed when the link heals.
    tainted: AtomicBool,
    /// Directions that ended cleanly (EOF forwarded as a half-close).
    finished: AtomicUsize,
}

impl Connection {
    fn close(&self) {
        if !self.closed.swap(true, Ordering::SeqCst) {
            for socket in &self.sockets {
                let _ = socket.shutdown(Shutdown::Both);
            }
        }
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// Moves the bytes `from → to` of one connection: this thread reads, a writer thread writes
/// each chunk when its delay is over.
fn pump(
    shared: &Arc<Shared>,
    conn: &Arc<Connection>,
    mut src: TcpStream,
    dst: TcpStream,
    from: usize,
    to: usize,
) {
    let (queue, chunks) = sync_channel::<(Instant, Vec<u8>)>(QUEUE_CHUNKS);
    let writer = {
        let (shared, conn) = (Arc::clone(shared), Arc::clone(conn));
        thread::Builder::new()
            .name(format!("proxy-w-{from}-{to}"))
            .spawn(move || write_chunks(&shared, &conn, dst, &chunks))
    };
    let Ok(writer) = writer else {
        conn.close();
        return;
    };
    read_chunks(shared, conn, &mut src, &queue, from, to);
    drop(queue);
    let _ = writer.join();
}

fn read_chunks(
    shared: &Shared,
    conn: &Connection,
    src: &mut TcpStream,
    queue: &SyncSender<(Instant, Vec<u8>)>,
    from: usize,
    to: usize,
) {
    let _ = src.set_read_timeout(Some(TICK));
    let mut buf = vec![0u8; CHUNK];
    loop {
        if shared.stopped() || conn.is_closed() {
            conn.close();
            return;
        }
        let healed_after_loss = || conn.tainted.load(Ordering::SeqCst) && !shared.cut(from, to);
        match src.read(&mut buf) {
            // EOF: the writer half-closes the other side once the queue is drained.
            Ok(0) => return,
            Ok(n) => {
                let delay = match shared.link(from, to) {
                    Link::Blackhole => {
                        conn.tainted.store(true, Ordering::SeqCst);
                        continue;
                    }
                    Link::Pass => Duration::ZERO,
                    Link::Delay(delay) => delay,
                };
                if healed_after_loss() {
                    conn.close();
                    return;
                }
                let mut item = (Instant::now() + delay, buf[..n].to_vec());
                loop {
                    match queue.try_send(item) {
                        Ok(()) => break,
                        Err(TrySendError::Full(back)) => {
                            if shared.stopped() || conn.is_closed() {
                                conn.close();
                                return;
                            }
                            item = back;
                            thread::sleep(Duration::from_millis(2));
                        }
                        Err(TrySendError::Disconnected(_)) => {
                            conn.close();
                            return;
                        }
                    }
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if healed_after_loss() {
                    conn.close();
                    return;
                }
            }
            Err(_) => {
                conn.close();
                return;
            }
        }
    }
}

fn write_chunks(
    shared: &Shared,
    conn: &Connection,
    mut dst: TcpStream,
    chunks: &Receiver<(Instant, Vec<u8>)>,
) {
    let _ = dst.set_write_timeout(Some(TICK));
    loop {
        let (due, bytes) = match chunks.recv_timeout(TICK) {
            Ok(item) => item,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if shared.stopped() || conn.is_closed() {
                    conn.close();
                    return;
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                // The reader saw EOF (or gave up): pass the half-close on.
                let _ = dst.shutdown(Shutdown::Write);
                if conn.finished.fetch_add(1, Ordering::SeqCst) + 1 == 2 {
                    conn.close();
                }
                return;
            }
        };
        while Instant::now() < due {
            if shared.stopped() || conn.is_closed() {
                conn.close();
                return;
            }
            thread::sleep((due - Instant::now()).min(TICK));
        }
        let mut written = 0;
        while written < bytes.len() {
            if shared.stopped() || conn.is_closed() {
                conn.close();
                return;
            }
            match dst.write(&bytes[written..]) {
                Ok(0) => {
                    conn.close();
                    return;
                }
                Ok(n) => written += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    conn.close();
                    return;
                }
            }
        }
    }
}

/// The node whose process owns the socket that connected from `client_port` to `front_port`.
fn owner(shared: &Shared, client_port: u16, front_port: u16) -> Option<usize> {
    let inode = socket_inode(client_port, front_port)?;
    let needle = format!("socket:[{inode}]");
    let pids: Vec<(usize, u32)> = shared
        .pids
        .lock()
        .expect("pids")
        .iter()
        .map(|(i, p)| (*i, *p))
        .collect();
    for (index, pid) in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).is_ok_and(|link| link.as_os_str() == needle.as_str()) {
                return Some(index);
            }
        }
    }
    None
}

/// The inode of the socket whose local port is `local` and remote port is `remote`.
fn socket_inode(local: u16, remote: u16) -> Option<u64> {
    let port = |field: &str| {
        field
            .rsplit(':')
            .next()
            .and_then(|p| u16::from_str_radix(p, 16).ok())
    };
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 10 {
                continue;
            }
            if port(fields[1]) == Some(local)
                && port(fields[2]) == Some(remote)
                && let Ok(inode) = fields[9].parse::<u64>()
                && inode != 0
            {
                return Some(inode);
            }
        }
    }
    None
}
