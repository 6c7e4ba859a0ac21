//! The bounds on every RPC method that executes the EVM on request (eth_call, eth_estimateGas,
//! eth_createAccessList, eth_simulateV1, the debug_trace methods): a call waits for one of the
//! node's EVM turns ([`RpcContext::evm_slots`], a bounded queue, refused at once beyond it),
//! runs on the blocking pool (never on the async workers, so it cannot starve other requests or
//! the block producer's task), and stops once [`RpcContext::evm_timeout`] has passed since it
//! arrived: a [`DeadlineInspector`] checks the clock every [`CHECK_EVERY`] instructions and halts
//! every frame, so the thread is released rather than left spinning. The answer is then geth's:
//! `execution aborted (timeout = 5s)`, code -32000.
//!
//! The block producer executes on its own blocking task and never takes an EVM turn. While the
//! pool holds transactions waiting for a block, a running call also gives way: after each
//! [`SLICE`] of execution it pauses for [`REST`], so calls take at most about half a core per
//! turn from block production and from the requests that feed it (on two cores, one turn and a
//! flood of infinite loops otherwise leave the chain about half its throughput).

use cloister_rpc::{RpcContext, RpcError};
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
use revm::{
    Inspector,
    interpreter::{InstructionResult, Interpreter, InterpreterTypes},
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::{OwnedSemaphorePermit, TryAcquireError};

/// Instructions between two looks at the clock (a look costs about as much as 20-50 simple
/// instructions).
pub const CHECK_EVERY: u32 = 1024;
/// Execution between two chances for block production to run, while transactions wait.
pub const SLICE: Duration = Duration::from_millis(2);
/// How long a call pauses after a [`SLICE`] while transactions wait for a block.
pub const REST: Duration = Duration::from_millis(2);
/// geth's code for a failed execution.
const SERVER_ERROR: i32 = -32000;
/// EIP-1474's code for a request over a limit.
const LIMIT_EXCEEDED: i32 = -32005;

/// Why an EVM-executing call was cut short or not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvmLimitError {
    /// The bound passed (waiting for a turn included), as geth words it.
    #[error("execution aborted (timeout = {})", go_duration(*.0))]
    Timeout(Duration),
    /// As many calls as allowed were already waiting for a turn.
    #[error("server busy: {0} EVM calls already waiting; try again later")]
    Busy(usize),
    /// The blocking task running the call died (a bug).
    #[error("EVM call task failed: {0}")]
    Task(String),
}

impl From<EvmLimitError> for ErrorObjectOwned {
    fn from(err: EvmLimitError) -> Self {
        let code = match err {
            EvmLimitError::Timeout(_) => SERVER_ERROR,
            EvmLimitError::Busy(_) => LIMIT_EXCEEDED,
            EvmLimitError::Task(_) => {
                tracing::warn!(target: "cloister::rpc", %err, "EVM call task failed");
                jsonrpsee::types::error::INTERNAL_ERROR_CODE
            }
        };
        ErrorObject::owned(code, err.to_string(), None::<()>)
    }
}

/// Why a request-execution method failed: what every method can fail with, or a bound.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// An error shared with the other namespaces (unknown block, revert, refusal...).
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The call ran out of time or found no turn.
    #[error(transparent)]
    Limit(#[from] EvmLimitError),
}

impl From<cloister_storage::StorageError> for CallError {
    fn from(err: cloister_storage::StorageError) -> Self {
        Self::Rpc(err.into())
    }
}

impl From<CallError> for ErrorObjectOwned {
    fn from(err: CallError) -> Self {
        match err {
            CallError::Rpc(err) => err.into(),
            CallError::Limit(err) => err.into(),
        }
    }
}

/// A duration as Go prints one (`5s`, `1.5s`, `500ms`, `1m0s`): geth's message has it.
pub fn go_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    if secs == 0 {
        return match nanos {
            0 => "0s".into(),
            n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
            n if n % 1_000 == 0 => format!("{}µs", n / 1_000),
            n => format!("{n}ns"),
        };
    }
    let fraction = if nanos == 0 {
        String::new()
    } else {
        let digits = format!("{nanos:09}");
        format!(".{}", digits.trim_end_matches('0'))
    };
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}{fraction}s"),
        (0, m) => format!("{m}m{seconds}{fraction}s"),
        (h, m) => format!("{h}h{m}m{seconds}{fraction}s"),
    }
}

/// Whether block production has work waiting (a call then gives way, see the module doc).
#[derive(Clone)]
struct ChainBusy(Arc<dyn Fn() -> bool + Send + Sync>);

impl std::fmt::Debug for ChainBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainBusy")
    }
}

/// When a call must stop: its bound counted from its arrival, or earlier when its caller went
/// away. Also whether it should give way to block production.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Option<Instant>,
    timeout: Duration,
    cancelled: Arc<AtomicBool>,
    chain_busy: Option<ChainBusy>,
}

impl Deadline {
    /// `timeout` from now; zero (or a time too far to represent) means no bound.
    pub fn after(timeout: Duration) -> Self {
        Self {
            at: if timeout.is_zero() {
                None
            } else {
                Instant::now().checked_add(timeout)
            },
            timeout,
            cancelled: Arc::new(AtomicBool::new(false)),
            chain_busy: None,
        }
    }

    /// The bound of `ctx`'s EVM calls, from now, giving way to block production while `ctx`'s
    /// pool holds executable transactions. For calls on the blocking pool only (it sleeps).
    pub fn for_call(ctx: &RpcContext) -> Self {
        let pool = ctx.pool.clone();
        Self {
            chain_busy: Some(ChainBusy(Arc::new(move || pool.has_executable()))),
            ..Self::after(ctx.evm_timeout)
        }
    }

    /// Whether the call must stop now.
    pub fn passed(&self) -> bool {
        self.passed_at(Instant::now())
    }

    fn passed_at(&self, now: Instant) -> bool {
        self.cancelled.load(Ordering::Relaxed) || self.at.is_some_and(|at| now >= at)
    }

    /// Pauses for [`REST`] (never past the deadline) when block production has work waiting.
    fn give_way(&self, now: Instant) {
        let Some(ChainBusy(busy)) = &self.chain_busy else {
            return;
        };
        if busy() {
            let rest = self
                .at
                .map_or(REST, |at| REST.min(at.saturating_duration_since(now)));
            std::thread::sleep(rest);
        }
    }

    /// The error of a call stopped by this deadline.
    pub fn error(&self) -> EvmLimitError {
        EvmLimitError::Timeout(self.timeout)
    }

    /// `Err` once the deadline has passed (between the runs of a call that runs several).
    pub fn check(&self) -> Result<(), EvmLimitError> {
        if self.passed() {
            Err(self.error())
        } else {
            Ok(())
        }
    }

    /// An inspector that halts execution once the deadline passes.
    pub fn inspector(&self) -> DeadlineInspector {
        DeadlineInspector {
            deadline: self.clone(),
            countdown: CHECK_EVERY,
            tripped: false,
            slice_started: Instant::now(),
        }
    }

    /// Stops the call at its next check (its caller is gone).
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

/// Halts every frame once its deadline has passed; [`DeadlineInspector::tripped`] then tells
/// the halt (reported by revm as out of gas) from a real one.
#[derive(Debug)]
pub struct DeadlineInspector {
    deadline: Deadline,
    countdown: u32,
    tripped: bool,
    slice_started: Instant,
}

impl DeadlineInspector {
    /// Whether execution was halted by the deadline.
    pub fn tripped(&self) -> bool {
        self.tripped
    }

    /// `Err` when execution was halted by the deadline.
    pub fn check(&self) -> Result<(), EvmLimitError> {
        if self.tripped {
            Err(self.deadline.error())
        } else {
            Ok(())
        }
    }
}

impl<CTX, INTR: InterpreterTypes> Inspector<CTX, INTR> for DeadlineInspector {
    #[inline]
    fn step(&mut self, interp: &mut Interpreter<INTR>, _context: &mut CTX) {
        if !self.tripped {
            self.countdown -= 1;
            if self.countdown > 0 {
                return;
            }
            self.countdown = CHECK_EVERY;
            let now = Instant::now();
            if !self.deadline.passed_at(now) {
                if now.saturating_duration_since(self.slice_started) >= SLICE {
                    self.deadline.give_way(now);
                    self.slice_started = Instant::now();
                }
                return;
            }
            self.tripped = true;
        }
        // Every frame still running halts at its next instruction, up to the outermost.
        interp.halt(InstructionResult::OutOfGas);
    }
}

/// Sets the deadline's cancel flag when dropped unless disarmed: a call whose caller went away
/// (connection closed, request dropped) stops at its next check.
struct CancelOnDrop(Option<Deadline>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(deadline) = self.0.take() {
            deadline.cancel();
        }
    }
}

/// Counts a call among those waiting for a turn while it waits.
struct Waiting<'a>(&'a RpcContext);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.evm_waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Waits in the queue for a turn, until the deadline.
async fn wait_for_turn(
    ctx: &RpcContext,
    deadline: &Deadline,
) -> Result<OwnedSemaphorePermit, EvmLimitError> {
    let waiting = ctx.evm_waiting.fetch_add(1, Ordering::Relaxed);
    let _counted = Waiting(ctx);
    if waiting >= ctx.evm_queue {
        return Err(EvmLimitError::Busy(waiting));
    }
    let turn = ctx.evm_slots.clone().acquire_owned();
    let acquired = match deadline.at {
        Some(at) => tokio::time::timeout_at(tokio::time::Instant::from_std(at), turn)
            .await
            .map_err(|_| deadline.error())?,
        None => turn.await,
    };
    acquired.map_err(|err| EvmLimitError::Task(err.to_string()))
}

/// Runs `job` when an EVM turn of `ctx` is free: on the blocking pool, with the deadline
/// counted from now (waiting included). Refused at once when the queue is full; a timeout if
/// the turn does not come in time.
pub async fn run_bounded<T, E, F>(ctx: &Arc<RpcContext>, job: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<EvmLimitError> + Send + 'static,
    F: FnOnce(&RpcContext, &Deadline) -> Result<T, E> + Send + 'static,
{
    let deadline = Deadline::for_call(ctx);
    let permit = match ctx.evm_slots.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(TryAcquireError::NoPermits) => wait_for_turn(ctx, &deadline).await?,
        Err(TryAcquireError::Closed) => return Err(EvmLimitError::Task("closed".into()).into()),
    };
    let mut guard = CancelOnDrop(Some(deadline.clone()));
    let worker_ctx = ctx.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        // The turn is given back when the work ends, not when its caller stops waiting.
        let _permit = permit;
        deadline.check()?;
        job(&worker_ctx, &deadline)
    })
    .await;
    guard.0 = None;
    outcome.map_err(|err| EvmLimitError::Task(err.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_go_prints_them() {
        assert_eq!(go_duration(Duration::from_secs(5)), "5s");
        assert_eq!(go_duration(Duration::from_secs(1)), "1s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(3725)), "1h2m5s");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn timeout_reads_as_geth() {
        let err = EvmLimitError::Timeout(Duration::from_secs(5));
        assert_eq!(err.to_string(), "execution aborted (timeout = 5s)");
        let obj = ErrorObjectOwned::from(err);
        assert_eq!(obj.code(), -32000);
        assert!(obj.data().is_none());
        assert_eq!(
            ErrorObjectOwned::from(EvmLimitError::Busy(8)).code(),
            -32005
        );
    }

    #[test]
    fn deadlines_pass_and_cancel() {
        let unbounded = Deadline::after(Duration::ZERO);
        assert!(!unbounded.passed());
        unbounded.cancel();
        assert!(unbounded.passed());
        let short = Deadline::after(Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.passed());
        assert_eq!(
            short.check(),
            Err(EvmLimitError::Timeout(Duration::from_millis(1)))
        );
    }
}
