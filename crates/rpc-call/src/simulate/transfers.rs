//! The logs of one simulated call as geth's simulation tracer records them: logs of frames that
//! fail are dropped with their frame, and with `traceTransfers` every ether movement (call and
//! create value, self-destruct balance; not delegate calls or call-code) becomes an ERC-7528
//! `Transfer` pseudo-log from `0xEeee…EEeE`, in execution order. Log indexes count every log
//! recorded in the block, kept or dropped, as geth's do.

use cloister_primitives::{Address, B256, Bytes, Log, LogData, U256, address, b256};
use revm::{
    Inspector,
    context_interface::ContextTr,
    interpreter::{
        CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome,
        interpreter::EthInterpreter,
    },
};

/// ERC-7528's address for ether in token-event form.
pub const TRANSFER_ADDRESS: Address = address!("0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE");
/// `keccak256("Transfer(address,address,uint256)")`.
pub const TRANSFER_TOPIC: B256 =
    b256!("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

/// A log with its index in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedLog {
    /// The log.
    pub log: Log,
    /// Its index among the block's logs.
    pub index: u64,
}

/// Records the logs of the transaction being run.
#[derive(Debug, Default)]
pub struct SimulationTracer {
    trace_transfers: bool,
    /// One list per open frame, innermost last.
    frames: Vec<Vec<IndexedLog>>,
    /// A create's transfer whose address is known only at its end: (frame depth, slot in frame).
    pending_creates: Vec<Option<(usize, usize)>>,
    /// The logs of the finished transaction.
    finished: Vec<IndexedLog>,
    next_index: u64,
}

impl SimulationTracer {
    /// A tracer for one block.
    pub fn new(trace_transfers: bool) -> Self {
        Self {
            trace_transfers,
            ..Default::default()
        }
    }

    /// Forgets the previous transaction's logs (the block-wide index keeps counting).
    pub fn reset(&mut self) {
        self.frames.clear();
        self.pending_creates.clear();
        self.finished.clear();
    }

    /// The logs the last transaction kept.
    pub fn take_logs(&mut self) -> Vec<IndexedLog> {
        std::mem::take(&mut self.finished)
    }

    fn record(&mut self, log: Log) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        match self.frames.last_mut() {
            Some(frame) => {
                frame.push(IndexedLog { log, index });
                frame.len() - 1
            }
            None => 0,
        }
    }

    fn transfer_log(from: Address, to: Address, value: U256) -> Log {
        Log {
            address: TRANSFER_ADDRESS,
            data: LogData::new_unchecked(
                vec![TRANSFER_TOPIC, from.into_word(), to.into_word()],
                Bytes::from(value.to_be_bytes::<32>().to_vec()),
            ),
        }
    }

    fn enter(&mut self) {
        self.frames.push(Vec::new());
    }

    fn exit(&mut self, success: bool) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match self.frames.last_mut() {
            Some(parent) if success => parent.extend(frame),
            Some(_) => {}
            None => self.finished = if success { frame } else { Vec::new() },
        }
    }
}

impl<CTX: ContextTr> Inspector<CTX, EthInterpreter> for SimulationTracer {
    fn log(&mut self, _context: &mut CTX, log: Log) {
        self.record(log);
    }

    fn call(&mut self, _context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.enter();
        let moves_value = matches!(inputs.scheme, CallScheme::Call | CallScheme::StaticCall);
        if self.trace_transfers
            && moves_value
            && let Some(value) = inputs.transfer_value().filter(|v| !v.is_zero())
        {
            self.record(Self::transfer_log(
                inputs.caller,
                inputs.target_address,
                value,
            ));
        }
        None
    }

    fn call_end(&mut self, _context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.exit(outcome.result.result.is_ok());
    }

    fn create(&mut self, _context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.enter();
        let pending = (self.trace_transfers && !inputs.value().is_zero()).then(|| {
            // The address is known at the end; the log keeps its place and index now.
            let slot = self.record(Self::transfer_log(
                inputs.caller(),
                Address::ZERO,
                inputs.value(),
            ));
            (self.frames.len(), slot)
        });
        self.pending_creates.push(pending);
        None
    }

    fn create_end(
        &mut self,
        _context: &mut CTX,
        _inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        if let Some(Some((depth, slot))) = self.pending_creates.pop()
            && let Some(address) = outcome.address
            && let Some(entry) = self
                .frames
                .get_mut(depth.saturating_sub(1))
                .and_then(|frame| frame.get_mut(slot))
        {
            let mut topics = entry.log.data.topics().to_vec();
            if let Some(to) = topics.get_mut(2) {
                *to = address.into_word();
            }
            entry.log.data = LogData::new_unchecked(topics, entry.log.data.data.clone());
        }
        self.exit(outcome.result.result.is_ok());
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        if self.trace_transfers && !value.is_zero() {
            self.record(Self::transfer_log(contract, target, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emitted(tracer: &mut SimulationTracer, byte: u8) {
        let log = Log {
            address: Address::repeat_byte(byte),
            data: LogData::new_unchecked(vec![], Bytes::new()),
        };
        tracer.record(log);
    }

    #[test]
    fn failed_inner_frames_drop_their_logs_but_not_their_indexes() {
        let mut tracer = SimulationTracer::new(false);
        tracer.enter();
        emitted(&mut tracer, 1);
        tracer.enter();
        emitted(&mut tracer, 2);
        tracer.exit(false);
        emitted(&mut tracer, 3);
        tracer.exit(true);
        let logs = tracer.take_logs();
        assert_eq!(logs.len(), 2);
        assert_eq!(logs[0].index, 0);
        assert_eq!(logs[1].index, 2);
    }

    #[test]
    fn a_failed_transaction_keeps_no_logs() {
        let mut tracer = SimulationTracer::new(false);
        tracer.enter();
        emitted(&mut tracer, 1);
        tracer.exit(false);
        assert!(tracer.take_logs().is_empty());
    }

    #[test]
    fn transfer_logs_follow_erc7528() {
        let log = SimulationTracer::transfer_log(
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            U256::from(5),
        );
        assert_eq!(log.address, TRANSFER_ADDRESS);
        assert_eq!(log.data.topics()[0], TRANSFER_TOPIC);
        assert_eq!(log.data.data.len(), 32);
    }
}
