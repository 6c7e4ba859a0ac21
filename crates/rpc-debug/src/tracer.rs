//! Tracer selection from geth's options and the tracer's answer after a transaction, both on
//! revm-inspectors' `DebugInspector` (struct logger, callTracer, prestateTracer and the other
//! built-in tracers it knows). JavaScript tracers are not supported.

use crate::{DebugError, replay::ReplayState};
use alloy_evm::EvmEnv;
use alloy_rpc_types_trace::geth::{GethDebugTracerType, GethDebugTracingOptions, GethTrace};
use revm::context::{TxEnv, result::ResultAndState};
use revm_inspectors::tracing::{DebugInspector, DebugInspectorError, TransactionContext};

/// The inspector for `options`; `None` options mean the default struct logger.
pub(crate) fn inspector(
    options: Option<GethDebugTracingOptions>,
) -> Result<DebugInspector, DebugError> {
    let options = options.unwrap_or_default();
    if let Some(GethDebugTracerType::JsTracer(name)) = &options.tracer
        && !name.is_empty()
    {
        return Err(DebugError::UnknownTracer(name.clone()));
    }
    let name = options.tracer.as_ref().map(|t| t.as_str().to_owned());
    DebugInspector::new(options).map_err(|err| match err {
        DebugInspectorError::InvalidTracerConfig => {
            DebugError::InvalidTracerConfig(name.unwrap_or_default())
        }
        _ => DebugError::UnknownTracer(name.unwrap_or_default()),
    })
}

/// The tracer's answer for the transaction just run (`outcome`), reading pre-state from
/// `state` (not yet holding the transaction's changes). Resets the inspector for the next one.
pub(crate) fn finish(
    inspector: &mut DebugInspector,
    context: TransactionContext,
    tx_env: &TxEnv,
    env: &EvmEnv,
    outcome: &ResultAndState,
    state: &mut ReplayState,
) -> Result<GethTrace, DebugError> {
    let trace = inspector
        .get_result(Some(context), tx_env, &env.block_env, outcome, state)
        .map_err(|err| match err {
            DebugInspectorError::Database(db) => DebugError::State(db),
            other => DebugError::InvalidTracerConfig(other.to_string()),
        })?;
    inspector
        .fuse()
        .map_err(|err| DebugError::InvalidTracerConfig(err.to_string()))?;
    let mut trace = trace;
    crate::struct_log::omit_empty(&mut trace);
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> Option<GethDebugTracingOptions> {
        Some(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn default_and_builtin_tracers_are_accepted() {
        assert!(matches!(inspector(None), Ok(DebugInspector::Default(..))));
        assert!(matches!(
            inspector(options(r#"{"tracer":"callTracer","tracerConfig":{"onlyTopCall":true}}"#)),
            Ok(DebugInspector::CallTracer(_, config)) if config.only_top_call == Some(true)
        ));
        assert!(matches!(
            inspector(options(r#"{"tracer":"prestateTracer","tracerConfig":{"diffMode":true}}"#)),
            Ok(DebugInspector::PreStateTracer(_, config)) if config.diff_mode == Some(true)
        ));
        // An empty name is geth's struct logger too.
        assert!(matches!(
            inspector(options(r#"{"tracer":""}"#)),
            Ok(DebugInspector::Default(..))
        ));
    }

    #[test]
    fn unknown_tracers_and_bad_configs_are_errors() {
        let err = inspector(options(r#"{"tracer":"fancyTracer"}"#))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "tracer not found: fancyTracer");
        let err = inspector(options(
            r#"{"tracer":"callTracer","tracerConfig":{"onlyTopCall":"yes"}}"#,
        ))
        .err()
        .unwrap();
        assert!(matches!(err, DebugError::InvalidTracerConfig(_)), "{err}");
    }
}
