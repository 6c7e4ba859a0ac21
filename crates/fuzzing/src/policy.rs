//! Policy documents (genesis `cloister.policy`): parsing, indexing, and every decision the RPC
//! layer asks of a policy, for callers the document names and for strangers.

use crate::setup::violated;
use cloister_policy::{Caller, Policy, PolicyDocument, TxFacts, method};
use cloister_primitives::Address;
use std::sync::Arc;

/// Parses `data` as a policy document and, if accepted, asks it every kind of question.
pub fn run(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(document) = PolicyDocument::from_json(&value) else {
        return;
    };
    // What `cloister_policy` shows reads back as the same document.
    match serde_json::to_value(&document).map(|shown| PolicyDocument::from_json(&shown)) {
        Ok(Ok(again)) => assert_eq!(again, document, "policy round trip"),
        Ok(Err(err)) => violated(format!("a shown policy is refused: {err}")),
        Err(err) => violated(format!("a policy cannot be shown: {err}")),
    }
    let Ok(policy) = Policy::new(document) else {
        return;
    };
    let stranger = Address::repeat_byte(0x5a);
    let named: Vec<Address> = policy
        .document()
        .roles
        .keys()
        .chain(policy.document().contracts.keys())
        .copied()
        .take(8)
        .chain([stranger])
        .collect();
    let mut callers = vec![Caller::ANONYMOUS, policy.caller_for_all(&named)];
    callers.extend(named.iter().map(|address| policy.caller_for(*address)));
    callers.push(Caller {
        address: Some(stranger),
        also: Some(Arc::from(named.clone())),
        roles: policy.caller_for(stranger).roles,
    });
    for caller in &callers {
        decide(&policy, caller, &named);
    }
}

fn decide(policy: &Policy, caller: &Caller, named: &[Address]) {
    for name in method::all().chain(["eth_unknownMethod", "", "cloister_"]) {
        let _ = policy.method(caller, name);
        let _ = policy.method_audited(caller, name);
    }
    for name in &policy.document().anonymous_methods {
        let _ = policy.method(caller, name);
    }
    let _ = (policy.bloom(caller), policy.reads_audit_log(caller));
    let _ = policy.revokes_for_others(caller);
    for (index, address) in named.iter().enumerate() {
        let _ = policy.account(caller, address);
        let _ = policy.storage(caller, address);
        let _ = policy.acts_as(caller, address);
        let _ = policy.may_sign_in(address);
        let _ = policy.call_from(caller, Some(*address));
        let to = named.get(index + 1).copied();
        let _ = policy.transaction(
            caller,
            &TxFacts {
                from: *address,
                to,
                log_parties: named,
            },
        );
    }
    let _ = policy.call_from(caller, None);
}
