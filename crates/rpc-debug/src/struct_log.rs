//! geth's JSON for the struct logger omits what is empty: memory, return data and storage
//! only appear when they hold something, and the refund counter only when it is not zero
//! (geth's `omitempty` fields). The stack stays, even empty, when it is enabled.

use alloy_rpc_types_trace::geth::{DefaultFrame, GethTrace};

/// Drops the empty optional fields of every struct log in `trace`, as geth does.
pub(crate) fn omit_empty(trace: &mut GethTrace) {
    if let GethTrace::Default(frame) = trace {
        omit_empty_in_frame(frame);
    }
}

fn omit_empty_in_frame(frame: &mut DefaultFrame) {
    for log in &mut frame.struct_logs {
        if log.memory.as_ref().is_some_and(Vec::is_empty) {
            log.memory = None;
        }
        if log.return_data.as_ref().is_some_and(|d| d.is_empty()) {
            log.return_data = None;
        }
        if log.storage.as_ref().is_some_and(|s| s.is_empty()) {
            log.storage = None;
        }
        if log.refund_counter == Some(0) {
            log.refund_counter = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_rpc_types_trace::geth::StructLog;
    use cloister_primitives::Bytes;

    #[test]
    fn empty_fields_go_and_full_ones_stay() {
        let empty = StructLog {
            op: "PUSH1".into(),
            stack: Some(vec![]),
            memory: Some(vec![]),
            return_data: Some(Bytes::new()),
            storage: Some(Default::default()),
            refund_counter: Some(0),
            ..Default::default()
        };
        let full = StructLog {
            memory: Some(vec!["0x00".into()]),
            return_data: Some(Bytes::from_static(&[1])),
            refund_counter: Some(4800),
            ..empty.clone()
        };
        let mut trace = GethTrace::Default(DefaultFrame {
            struct_logs: vec![empty, full.clone()],
            ..Default::default()
        });
        omit_empty(&mut trace);
        let json = serde_json::to_value(&trace).unwrap();
        let first = &json["structLogs"][0];
        assert_eq!(first["stack"], serde_json::json!([]));
        for field in ["memory", "returnData", "storage", "refund"] {
            assert!(first.get(field).is_none(), "{field} kept");
        }
        assert_eq!(json["structLogs"][1]["refund"], 4800);
        assert_eq!(json["structLogs"][1]["returnData"], "0x01");
    }
}
