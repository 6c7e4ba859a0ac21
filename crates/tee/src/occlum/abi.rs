//! The binary interface of Occlum's `/dev/sgx`: ioctl request numbers and the `#[repr(C)]`
//! structures they carry, written from Occlum's `dev_sgx` (LibOS) and Intel's SGX SDK
//! headers (`sgx_report.h`, `sgx_key.h`, `sgx_attributes.h`). Sizes and offsets are pinned by
//! the tests below; any drift would make the LibOS read garbage.

/// Occlum's ioctl "magic" byte for `/dev/sgx`.
const SGX_IOCTL_MAGIC: u8 = b's';
/// Linux `_IOC` direction bits: the kernel (here the LibOS) writes the argument.
const IOC_READ: u32 = 2;
/// Linux `_IOC` direction bits: the kernel reads the argument.
const IOC_WRITE: u32 = 1;

/// Linux `_IOC(dir, type, nr, size)`: the encoding Occlum's `StructuredIoctlNum` uses.
const fn ioc(direction: u32, number: u8, size: usize) -> u32 {
    // Sizes are small compile-time constants; 14 bits is Linux's limit for the size field.
    (direction << 30)
        | (((size as u32) & 0x3fff) << 16)
        | ((SGX_IOCTL_MAGIC as u32) << 8)
        | number as u32
}

/// `_IOR('s', 7, uint32_t)`: the size of a DCAP quote.
pub(crate) const SGXIOC_GET_DCAP_QUOTE_SIZE: u32 = ioc(IOC_READ, 7, size_of::<u32>());
/// `_IOWR('s', 8, sgxioc_gen_dcap_quote_arg_t)`: generate a DCAP quote.
pub(crate) const SGXIOC_GEN_DCAP_QUOTE: u32 =
    ioc(IOC_READ | IOC_WRITE, 8, size_of::<GenDcapQuoteArg>());
/// `_IOWR('s', 4, sgxioc_create_report_arg_t)`: EREPORT for a target (or self).
pub(crate) const SGXIOC_CREATE_REPORT: u32 =
    ioc(IOC_READ | IOC_WRITE, 4, size_of::<CreateReportArg>());
/// `_IOWR('s', 11, sgxioc_get_key_arg_t)`: EGETKEY.
pub(crate) const SGXIOC_GET_KEY: u32 = ioc(IOC_READ | IOC_WRITE, 11, size_of::<GetKeyArg>());

/// `SGX_KEYSELECT_SEAL`: the seal key.
pub(crate) const SGX_KEYSELECT_SEAL: u16 = 0x0004;
/// `SGX_KEYPOLICY_MRENCLAVE`: bind the key to the exact enclave build.
pub(crate) const SGX_KEYPOLICY_MRENCLAVE: u16 = 0x0001;
/// `SGX_KEYPOLICY_MRSIGNER`: bind the key to the enclave signer (and product id).
pub(crate) const SGX_KEYPOLICY_MRSIGNER: u16 = 0x0002;

/// Attribute flags that say nothing about security (reserved bits 55:6, MODE64BIT,
/// PROVISION_KEY, EINITTOKEN_KEY); the SDK leaves them out of the seal key.
const FLAGS_NON_SECURITY_BITS: u64 = 0x00ff_ffff_ffff_ffc0 | 0x04 | 0x10 | 0x20;
/// The SDK's `TSEAL_DEFAULT_FLAGSMASK`: seal keys bind INITTED, DEBUG, KSS and the high bits.
pub(crate) const TSEAL_DEFAULT_FLAGSMASK: u64 = !FLAGS_NON_SECURITY_BITS;
/// The SDK's `TSEAL_DEFAULT_MISCMASK`: MISCSELECT bits 27:0 have no security meaning.
pub(crate) const TSEAL_DEFAULT_MISCMASK: u32 = !0x0fff_ffff;

/// `sgx_attributes_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SgxAttributes {
    pub flags: u64,
    pub xfrm: u64,
}

/// `sgx_report_body_t`: 384 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgxReportBody {
    pub cpu_svn: [u8; 16],
    pub misc_select: u32,
    pub reserved1: [u8; 12],
    pub isv_ext_prod_id: [u8; 16],
    pub attributes: SgxAttributes,
    pub mr_enclave: [u8; 32],
    pub reserved2: [u8; 32],
    pub mr_signer: [u8; 32],
    pub reserved3: [u8; 32],
    pub config_id: [u8; 64],
    pub isv_prod_id: u16,
    pub isv_svn: u16,
    pub config_svn: u16,
    pub reserved4: [u8; 42],
    pub isv_family_id: [u8; 16],
    pub report_data: [u8; 64],
}

/// `sgx_report_t`: 432 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgxReport {
    pub body: SgxReportBody,
    pub key_id: [u8; 32],
    pub mac: [u8; 16],
}

/// `sgx_target_info_t`: 512 bytes. Only its size is used (CREATE_REPORT for self passes
/// none), but the layout is kept whole so the ioctl argument matches the C one.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgxTargetInfo {
    pub mr_enclave: [u8; 32],
    pub attributes: SgxAttributes,
    pub reserved1: [u8; 2],
    pub config_svn: u16,
    pub misc_select: u32,
    pub reserved2: [u8; 8],
    pub config_id: [u8; 64],
    pub reserved3: [u8; 384],
}

/// `sgx_key_request_t`: 512 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SgxKeyRequest {
    pub key_name: u16,
    pub key_policy: u16,
    pub isv_svn: u16,
    pub reserved1: u16,
    pub cpu_svn: [u8; 16],
    pub attribute_mask: SgxAttributes,
    pub key_id: [u8; 32],
    pub misc_mask: u32,
    pub config_svn: u16,
    pub reserved2: [u8; 434],
}

/// `sgxioc_create_report_arg_t`.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct CreateReportArg {
    /// Optional: null asks for a report targeted at the enclave itself.
    pub target_info: *const SgxTargetInfo,
    /// Optional: null means all-zero report data.
    pub report_data: *const [u8; 64],
    pub report: *mut SgxReport,
}

/// `sgxioc_gen_dcap_quote_arg_t`.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct GenDcapQuoteArg {
    pub report_data: *const [u8; 64],
    /// In: capacity of `quote_buf`; the LibOS checks it against the quote size.
    pub quote_size: *mut u32,
    pub quote_buf: *mut u8,
}

/// `sgxioc_get_key_arg_t`.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct GetKeyArg {
    pub key_request: *const SgxKeyRequest,
    pub key: *mut [u8; 16],
}

impl SgxAttributes {
    const ZERO: Self = Self { flags: 0, xfrm: 0 };
}

impl SgxReportBody {
    const ZERO: Self = Self {
        cpu_svn: [0; 16],
        misc_select: 0,
        reserved1: [0; 12],
        isv_ext_prod_id: [0; 16],
        attributes: SgxAttributes::ZERO,
        mr_enclave: [0; 32],
        reserved2: [0; 32],
        mr_signer: [0; 32],
        reserved3: [0; 32],
        config_id: [0; 64],
        isv_prod_id: 0,
        isv_svn: 0,
        config_svn: 0,
        reserved4: [0; 42],
        isv_family_id: [0; 16],
        report_data: [0; 64],
    };
}

impl SgxReport {
    /// An all-zero report, to be filled by the device.
    pub const ZERO: Self = Self {
        body: SgxReportBody::ZERO,
        key_id: [0; 32],
        mac: [0; 16],
    };
}

impl SgxKeyRequest {
    /// An all-zero request (reserved fields must be zero).
    pub const ZERO: Self = Self {
        key_name: 0,
        key_policy: 0,
        isv_svn: 0,
        reserved1: 0,
        cpu_svn: [0; 16],
        attribute_mask: SgxAttributes::ZERO,
        key_id: [0; 32],
        misc_mask: 0,
        config_svn: 0,
        reserved2: [0; 434],
    };
}

#[cfg(test)]
mod tests {
    use std::mem::{align_of, offset_of, size_of};

    use super::*;

    #[test]
    fn report_body_layout_matches_sgx_report_h() {
        assert_eq!(size_of::<SgxReportBody>(), 384);
        assert_eq!(offset_of!(SgxReportBody, cpu_svn), 0);
        assert_eq!(offset_of!(SgxReportBody, misc_select), 16);
        assert_eq!(offset_of!(SgxReportBody, reserved1), 20);
        assert_eq!(offset_of!(SgxReportBody, isv_ext_prod_id), 32);
        assert_eq!(offset_of!(SgxReportBody, attributes), 48);
        assert_eq!(offset_of!(SgxReportBody, mr_enclave), 64);
        assert_eq!(offset_of!(SgxReportBody, reserved2), 96);
        assert_eq!(offset_of!(SgxReportBody, mr_signer), 128);
        assert_eq!(offset_of!(SgxReportBody, reserved3), 160);
        assert_eq!(offset_of!(SgxReportBody, config_id), 192);
        assert_eq!(offset_of!(SgxReportBody, isv_prod_id), 256);
        assert_eq!(offset_of!(SgxReportBody, isv_svn), 258);
        assert_eq!(offset_of!(SgxReportBody, config_svn), 260);
        assert_eq!(offset_of!(SgxReportBody, reserved4), 262);
        assert_eq!(offset_of!(SgxReportBody, isv_family_id), 304);
        assert_eq!(offset_of!(SgxReportBody, report_data), 320);
    }

    #[test]
    fn report_layout_matches_sgx_report_h() {
        assert_eq!(size_of::<SgxAttributes>(), 16);
        assert_eq!(size_of::<SgxReport>(), 432);
        assert_eq!(offset_of!(SgxReport, body), 0);
        assert_eq!(offset_of!(SgxReport, key_id), 384);
        assert_eq!(offset_of!(SgxReport, mac), 416);
        assert_eq!(align_of::<SgxReport>(), 8);
    }

    #[test]
    fn target_info_layout_matches_sgx_report_h() {
        assert_eq!(size_of::<SgxTargetInfo>(), 512);
        assert_eq!(offset_of!(SgxTargetInfo, mr_enclave), 0);
        assert_eq!(offset_of!(SgxTargetInfo, attributes), 32);
        assert_eq!(offset_of!(SgxTargetInfo, reserved1), 48);
        assert_eq!(offset_of!(SgxTargetInfo, config_svn), 50);
        assert_eq!(offset_of!(SgxTargetInfo, misc_select), 52);
        assert_eq!(offset_of!(SgxTargetInfo, reserved2), 56);
        assert_eq!(offset_of!(SgxTargetInfo, config_id), 64);
        assert_eq!(offset_of!(SgxTargetInfo, reserved3), 128);
    }

    #[test]
    fn key_request_layout_matches_sgx_key_h() {
        assert_eq!(size_of::<SgxKeyRequest>(), 512);
        assert_eq!(offset_of!(SgxKeyRequest, key_name), 0);
        assert_eq!(offset_of!(SgxKeyRequest, key_policy), 2);
        assert_eq!(offset_of!(SgxKeyRequest, isv_svn), 4);
        assert_eq!(offset_of!(SgxKeyRequest, reserved1), 6);
        assert_eq!(offset_of!(SgxKeyRequest, cpu_svn), 8);
        assert_eq!(offset_of!(SgxKeyRequest, attribute_mask), 24);
        assert_eq!(offset_of!(SgxKeyRequest, key_id), 40);
        assert_eq!(offset_of!(SgxKeyRequest, misc_mask), 72);
        assert_eq!(offset_of!(SgxKeyRequest, config_svn), 76);
        assert_eq!(offset_of!(SgxKeyRequest, reserved2), 78);
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn ioctl_arguments_are_pointer_triples_and_pairs() {
        assert_eq!(size_of::<GenDcapQuoteArg>(), 24);
        assert_eq!(offset_of!(GenDcapQuoteArg, quote_size), 8);
        assert_eq!(offset_of!(GenDcapQuoteArg, quote_buf), 16);
        assert_eq!(size_of::<CreateReportArg>(), 24);
        assert_eq!(offset_of!(CreateReportArg, report_data), 8);
        assert_eq!(offset_of!(CreateReportArg, report), 16);
        assert_eq!(size_of::<GetKeyArg>(), 16);
        assert_eq!(offset_of!(GetKeyArg, key), 8);
    }

    /// The literal values come from Occlum's `tools/toolchains/dcap_lib/src/occlum_dcap.rs`
    /// (quote ioctls) and from `_IOWR` / `_IOR` worked out by hand for the other two.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn ioctl_numbers_match_occlum() {
        assert_eq!(SGXIOC_GET_DCAP_QUOTE_SIZE, 0x8004_7307);
        assert_eq!(SGXIOC_GEN_DCAP_QUOTE, 0xc018_7308);
        assert_eq!(SGXIOC_CREATE_REPORT, 0xc018_7304);
        assert_eq!(SGXIOC_GET_KEY, 0xc010_730b);
    }

    #[test]
    fn seal_masks_match_the_sdk_defaults() {
        assert_eq!(TSEAL_DEFAULT_FLAGSMASK, 0xff00_0000_0000_000b);
        assert_eq!(TSEAL_DEFAULT_MISCMASK, 0xf000_0000);
    }
}
