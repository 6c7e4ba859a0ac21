//! The start-up banner: what a developer needs to connect, as anvil prints it.

use cloister_node::NodeHandle;
use std::path::Path;

pub(crate) fn print(node: &NodeHandle, datadir: &Path) {
    let spec = node.chain.spec();
    let head = node.chain.head();
    println!("cloister {}", env!("CARGO_PKG_VERSION"));
    if !node.dev_accounts.is_empty() {
        println!("\nAvailable Accounts\n==================");
        for (i, key) in node.dev_accounts.iter().enumerate() {
            println!("({i}) {} (10000 ETH at genesis)", key.address());
        }
        println!("\nPrivate Keys\n==================");
        for (i, key) in node.dev_accounts.iter().enumerate() {
            println!(
                "({i}) 0x{}",
                cloister_primitives::hex::encode(key.to_bytes())
            );
        }
        println!("\nMnemonic: {}", cloister_chainspec::DEV_MNEMONIC);
    }
    println!("\nChain ID:      {}", spec.chain_id());
    println!("Genesis hash:  {}", spec.genesis_hash());
    println!("Head block:    {}", head.header.number);
    if let Some(validator) = node.chain.validator() {
        println!("Validator:     {validator}");
    }
    println!("Datadir:       {}", datadir.display());
    let ws = if node.scheme == "https" { "wss" } else { "ws" };
    println!(
        "\nListening on {} (HTTP and WebSocket: {ws}://{})",
        node.http_url(),
        node.rpc_addr
    );
}
