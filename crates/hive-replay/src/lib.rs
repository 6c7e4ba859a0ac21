//! A local replayer of hive's rpc-compat simulator (see `../shared/conformance/HIVE-RPC-COMPAT.md`):
//! imports the fixture chain, sends the forkchoice update, replays every `.io` exchange against one
//! node and compares answers by hive's rules.
