//! Who is calling: anonymous, or the addresses one credential proved (a sign-in token may hold
//! several, each proven by its own signature) with the roles the policy gives them.

use cloister_primitives::Address;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A role the policy document can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Sees every transaction, receipt, log, balance and trace; each read of data that is not
    /// the auditor's own is written to the audit log.
    Auditor,
    /// A consortium member: sees `members` visibility and may read the audit log.
    Member,
    /// Administers sign-in: may revoke anyone's tokens and read the audit log.
    Admin,
}

/// A small set of roles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RoleSet(u8);

impl RoleSet {
    /// No role.
    pub const EMPTY: Self = Self(0);

    const fn bit(role: Role) -> u8 {
        match role {
            Role::Auditor => 1,
            Role::Member => 2,
            Role::Admin => 4,
        }
    }

    /// This set with `role` added.
    pub const fn with(self, role: Role) -> Self {
        Self(self.0 | Self::bit(role))
    }

    /// This set without `role`.
    pub const fn without(self, role: Role) -> Self {
        Self(self.0 & !Self::bit(role))
    }

    /// Whether `role` is in the set.
    pub const fn has(self, role: Role) -> bool {
        self.0 & Self::bit(role) != 0
    }

    /// The roles, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        [Role::Auditor, Role::Member, Role::Admin]
            .into_iter()
            .filter(move |r| self.has(*r))
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

/// The identity of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The first address the caller proved (sign-in token or client certificate); `None`:
    /// anonymous. It is the `from` of a call that names none.
    pub address: Option<Address>,
    /// Further addresses the same credential proved (`None`: only `address`). The policy
    /// treats the caller as any of them.
    pub also: Option<Arc<[Address]>>,
    /// Roles from the policy document (those of every proven address).
    pub roles: RoleSet,
}

impl Caller {
    /// A caller who proved nothing.
    pub const ANONYMOUS: Self = Self {
        address: None,
        also: None,
        roles: RoleSet::EMPTY,
    };

    /// Whether the caller proved an address.
    pub const fn is_authenticated(&self) -> bool {
        self.address.is_some()
    }

    /// Whether the caller holds `role`.
    pub const fn has(&self, role: Role) -> bool {
        self.roles.has(role)
    }

    /// Whether `address` is one of the caller's own.
    pub fn is(&self, address: &Address) -> bool {
        self.address.as_ref() == Some(address)
            || self
                .also
                .as_deref()
                .is_some_and(|also| also.contains(address))
    }

    /// The same addresses without `role`: what the caller sees as itself and its other roles.
    /// Values derived from many transactions (`eth_feeHistory` rewards) are computed for the
    /// caller without `auditor`, so that routine reads do not fill the audit log.
    pub fn without(&self, role: Role) -> Self {
        Self {
            roles: self.roles.without(role),
            ..self.clone()
        }
    }

    /// Every address the caller proved, the first one first.
    pub fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        self.address
            .into_iter()
            .chain(self.also.as_deref().unwrap_or_default().iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_set_holds_what_was_added() {
        let set: RoleSet = [Role::Auditor, Role::Admin].into_iter().collect();
        assert!(set.has(Role::Auditor) && set.has(Role::Admin) && !set.has(Role::Member));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Role::Auditor, Role::Admin]
        );
        assert!(!Caller::ANONYMOUS.is_authenticated());
        let set = set.without(Role::Auditor);
        assert!(!set.has(Role::Auditor) && set.has(Role::Admin));
        assert_eq!(set.without(Role::Member), set);
    }

    #[test]
    fn a_caller_is_each_of_its_addresses() {
        let (first, second, other) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
        );
        let caller = Caller {
            address: Some(first),
            also: Some(Arc::from([second])),
            roles: RoleSet::EMPTY,
        };
        assert!(caller.is(&first) && caller.is(&second) && !caller.is(&other));
        assert_eq!(caller.addresses().collect::<Vec<_>>(), vec![first, second]);
        assert_eq!(Caller::ANONYMOUS.addresses().count(), 0);
        assert!(!Caller::ANONYMOUS.is(&Address::ZERO));
        let auditor = Caller {
            roles: RoleSet::EMPTY.with(Role::Auditor).with(Role::Member),
            ..caller.clone()
        };
        let plain = auditor.without(Role::Auditor);
        assert!(!plain.has(Role::Auditor) && plain.has(Role::Member));
        assert_eq!(plain.addresses().collect::<Vec<_>>(), vec![first, second]);
    }
}
