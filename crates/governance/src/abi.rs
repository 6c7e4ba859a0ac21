//! The governance contract's interface (a stable interface: scripts outside the repository
//! depend on it). Events follow OpenZeppelin Governor's signatures where Governor has one.

// `sol!` gives each event a constructor taking one argument per field (ProposalCreated has 9).
#![allow(clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// One allowed enclave. `id` is `keccak256(abi.encode(mrenclave, mrsigner, productId,
    /// minIsvSvn))`; a zero `mrenclave` means "any build `mrsigner` signed for `productId`",
    /// a zero `mrsigner` means "this exact build".
    #[derive(Debug, PartialEq, Eq)]
    struct Measurement {
        bytes32 id;
        bytes32 mrenclave;
        bytes32 mrsigner;
        uint16 productId;
        uint16 minIsvSvn;
    }

    /// What `getProposal` returns.
    #[derive(Debug, PartialEq, Eq)]
    struct ProposalView {
        address proposer;
        bytes[] actions;
        string description;
        uint64 voteStart;
        uint64 voteEnd;
        uint32 memberCount;
        uint32 required;
        uint32 forVotes;
        uint32 againstVotes;
        uint32 abstainVotes;
        uint8 state;
    }

    #[derive(Debug)]
    interface ICloisterGovernance {
        // OpenZeppelin Governor's events (targets are all this contract, values all zero,
        // signatures all empty; calldatas are the actions).
        event ProposalCreated(uint256 proposalId, address proposer, address[] targets, uint256[] values, string[] signatures, bytes[] calldatas, uint256 voteStart, uint256 voteEnd, string description);
        event VoteCast(address indexed voter, uint256 proposalId, uint8 support, uint256 weight, string reason);
        event ProposalExecuted(uint256 proposalId);
        event ProposalCanceled(uint256 proposalId);
        /// The deciding vote's actions could not be applied; the proposal is Failed.
        event ProposalFailed(uint256 proposalId, bytes reason);

        // One event per applied change.
        event MemberAdded(address indexed member);
        event MemberRemoved(address indexed member);
        event ValidatorAdded(address indexed validator);
        event ValidatorRemoved(address indexed validator);
        event NodeAdmitted(address indexed node);
        event NodeRemoved(address indexed node);
        event MeasurementAllowed(bytes32 indexed id, bytes32 mrenclave, bytes32 mrsigner, uint16 productId, uint16 minIsvSvn);
        event MeasurementRevoked(bytes32 indexed id);
        event RoleSet(address indexed account, string role, bool granted);
        event PolicyReplaced(uint64 version, bytes32 documentHash);
        event ThresholdsSet(uint16 addBps, uint16 removeBps, uint64 votingPeriod);

        // Actions: ABI calls placed in a proposal's `actions`; callable only by the contract
        // itself while it applies (or validates) a proposal.
        function addMember(address member) external;
        function removeMember(address member) external;
        function addValidator(address validator) external;
        function removeValidator(address validator) external;
        function admitNode(address node) external;
        function removeNode(address node) external;
        function allowMeasurement(bytes32 mrenclave, bytes32 mrsigner, uint16 productId, uint16 minIsvSvn) external;
        function revokeMeasurement(bytes32 id) external;
        function setRole(address account, string role, bool granted) external;
        function setPolicy(bytes policyJson) external;
        /// `addBps` / `removeBps`: share of the members at proposal time (basis points) whose
        /// "for" votes apply a proposal that only adds / that removes or replaces something;
        /// `votingPeriod`: seconds a proposal stays open.
        function setThresholds(uint16 addBps, uint16 removeBps, uint64 votingPeriod) external;

        // Proposals and votes.
        function propose(bytes[] actions, string description) external returns (uint256 proposalId);
        /// `support`: 0 against, 1 for, 2 abstain. Returns the vote's weight (always 1).
        function castVote(uint256 proposalId, uint8 support) external returns (uint256);
        function cancel(uint256 proposalId) external;

        // Views.
        /// OpenZeppelin's order (0 Pending, 1 Active, 2 Canceled, 3 Defeated, 4 Succeeded,
        /// 5 Queued, 6 Expired, 7 Executed) plus 8 Failed.
        function state(uint256 proposalId) external view returns (uint8);
        function getProposal(uint256 proposalId) external view returns (ProposalView memory);
        function proposalCount() external view returns (uint256);
        /// OpenZeppelin GovernorCountingSimple's order.
        function proposalVotes(uint256 proposalId) external view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes);
        function hasVoted(uint256 proposalId, address account) external view returns (bool);
        function isMember(address account) external view returns (bool);
        function getMembers() external view returns (address[] memory);
        function getValidators() external view returns (address[] memory);
        function getNodes() external view returns (address[] memory);
        function getMeasurements() external view returns (Measurement[] memory);
        /// Every granted (account, role) pair; roles are "auditor", "member", "admin".
        function getRoles() external view returns (address[] memory accounts, string[] memory roles);
        /// The policy document (JSON, as `cloister_policy` shows it) and its version.
        function policy() external view returns (bytes memory json, uint64 version);
        function thresholds() external view returns (uint16 addBps, uint16 removeBps, uint64 votingPeriod);
        /// Bumped by every applied change: a node re-reads the views when it moves.
        function configVersion() external view returns (uint64);
        /// EIP-6372: proposals are timed in seconds.
        function clock() external view returns (uint48);
        function CLOCK_MODE() external view returns (string memory);
    }
}
