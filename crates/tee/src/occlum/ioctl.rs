//! The only unsafe code of the crate: ioctls on Occlum's `/dev/sgx`. Each call hands the
//! LibOS pointers to buffers owned by the caller's stack frame for the duration of the call.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::ptr;

use zeroize::Zeroizing;

use super::abi::{
    CreateReportArg, GenDcapQuoteArg, GetKeyArg, SGXIOC_CREATE_REPORT, SGXIOC_GEN_DCAP_QUOTE,
    SGXIOC_GET_DCAP_QUOTE_SIZE, SGXIOC_GET_KEY, SgxKeyRequest, SgxReport,
};
use super::retry::retry_busy;
use crate::error::AttestError;

/// An open `/dev/sgx` of Occlum.
#[derive(Debug)]
pub(crate) struct SgxDevice {
    file: File,
}

/// Issues one ioctl whose argument is `arg`, mapping a `-1` return to the OS error.
///
/// # Safety
/// `request` must be an ioctl of Occlum's `/dev/sgx` whose argument type is `T`, and every
/// pointer inside `*arg` must be valid, for the access the request makes, until it returns.
unsafe fn sgx_ioctl<T>(file: &File, request: u32, arg: &mut T) -> io::Result<()> {
    let arg_ptr: *mut T = arg;
    // SAFETY: the fd is open for the lifetime of `file`; the caller upholds the argument
    // contract. `request as _` is the bit pattern glibc (c_ulong) and musl (c_int) expect.
    let status = unsafe { libc::ioctl(file.as_raw_fd(), request as _, arg_ptr) };
    if status < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl SgxDevice {
    /// Opens the device, refusing anything that is not a character device (a host's
    /// `/dev/sgx/` directory of the out-of-tree driver must not be mistaken for Occlum's).
    pub(crate) fn open(path: &Path) -> Result<Self, AttestError> {
        let unavailable = |source| AttestError::DeviceUnavailable {
            path: path.to_owned(),
            source,
        };
        let file = File::options()
            .read(true)
            .write(true)
            .open(path)
            .map_err(unavailable)?;
        let file_type = file.metadata().map_err(unavailable)?.file_type();
        if !file_type.is_char_device() {
            return Err(unavailable(io::Error::other("not a character device")));
        }
        Ok(Self { file })
    }

    /// `SGXIOC_GET_DCAP_QUOTE_SIZE`.
    pub(crate) fn dcap_quote_size(&self) -> Result<u32, AttestError> {
        retry_busy("GET_DCAP_QUOTE_SIZE", || {
            let mut size: u32 = 0;
            // SAFETY: the argument is a plain `u32` the LibOS writes.
            unsafe { sgx_ioctl(&self.file, SGXIOC_GET_DCAP_QUOTE_SIZE, &mut size) }?;
            Ok(size)
        })
    }

    /// `SGXIOC_GEN_DCAP_QUOTE` into a buffer of `quote_size` bytes.
    pub(crate) fn gen_dcap_quote(
        &self,
        report_data: &[u8; 64],
        quote_size: u32,
    ) -> Result<Vec<u8>, AttestError> {
        let capacity =
            usize::try_from(quote_size).map_err(|_| AttestError::QuoteSize { size: quote_size })?;
        retry_busy("GEN_DCAP_QUOTE", || {
            let mut quote = vec![0u8; capacity];
            let mut size_in_out = quote_size;
            let mut arg = GenDcapQuoteArg {
                report_data,
                quote_size: &mut size_in_out,
                quote_buf: quote.as_mut_ptr(),
            };
            // SAFETY: `report_data` is 64 readable bytes, `size_in_out` a live u32 holding the
            // capacity of `quote`, whose `capacity` bytes the LibOS may write; all outlive the
            // call, and `quote` is not touched until it returns.
            unsafe { sgx_ioctl(&self.file, SGXIOC_GEN_DCAP_QUOTE, &mut arg) }?;
            Ok(quote)
        })
    }

    /// `SGXIOC_CREATE_REPORT` with no target and zero report data: the enclave's own report,
    /// read for its CPUSVN, ISVSVN and CONFIGSVN.
    pub(crate) fn self_report(&self) -> Result<SgxReport, AttestError> {
        retry_busy("CREATE_REPORT", || {
            let mut report = SgxReport::ZERO;
            let mut arg = CreateReportArg {
                target_info: ptr::null(),
                report_data: ptr::null(),
                report: &mut report,
            };
            // SAFETY: both inputs are null, which the LibOS accepts as "self" and "zeros";
            // `report` is a live `sgx_report_t` (layout tested) the LibOS writes.
            unsafe { sgx_ioctl(&self.file, SGXIOC_CREATE_REPORT, &mut arg) }?;
            Ok(report)
        })
    }

    /// `SGXIOC_GET_KEY`: EGETKEY for `request`.
    pub(crate) fn get_key(
        &self,
        request: &SgxKeyRequest,
    ) -> Result<Zeroizing<[u8; 16]>, AttestError> {
        retry_busy("GET_KEY", || {
            let mut key = Zeroizing::new([0u8; 16]);
            let mut arg = GetKeyArg {
                key_request: request,
                key: &mut *key,
            };
            // SAFETY: `request` is a live `sgx_key_request_t` (layout tested) the LibOS reads,
            // `key` 16 writable bytes; both outlive the call.
            unsafe { sgx_ioctl(&self.file, SGXIOC_GET_KEY, &mut arg) }?;
            Ok(key)
        })
    }
}
