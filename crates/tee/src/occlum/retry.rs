//! Bounded retry of SGX ioctls: the quoting enclave answers EBUSY while it serves another
//! request, and Occlum passes that through; Occlum's own tests retry 20 times, a second apart.

use std::io;
use std::thread;
use std::time::Duration;

use crate::error::AttestError;

/// Attempts before giving up on a busy device.
const MAX_ATTEMPTS: u32 = 20;
/// Pause between attempts on EBUSY.
const BUSY_DELAY: Duration = Duration::from_secs(1);

/// Runs `op` until it succeeds, fails with something other than EBUSY / EINTR, or has been
/// busy `MAX_ATTEMPTS` times. Blocks the thread while waiting.
pub(crate) fn retry_busy<T>(
    request: &'static str,
    op: impl FnMut() -> io::Result<T>,
) -> Result<T, AttestError> {
    retry_busy_with(request, MAX_ATTEMPTS, BUSY_DELAY, op)
}

fn retry_busy_with<T>(
    request: &'static str,
    max_attempts: u32,
    delay: Duration,
    mut op: impl FnMut() -> io::Result<T>,
) -> Result<T, AttestError> {
    let mut busy_attempts = 0;
    loop {
        match op() {
            Ok(value) => return Ok(value),
            // An interrupted call did no work: try again at once, without counting it.
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.raw_os_error() == Some(libc::EBUSY) => {
                busy_attempts += 1;
                if busy_attempts >= max_attempts {
                    return Err(AttestError::DeviceBusy {
                        request,
                        attempts: busy_attempts,
                    });
                }
                thread::sleep(delay);
            }
            Err(source) => return Err(AttestError::Ioctl { request, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> io::Error {
        io::Error::from_raw_os_error(libc::EBUSY)
    }

    #[test]
    fn busy_then_success_is_retried() {
        let mut calls = 0;
        let result = retry_busy_with("TEST", 5, Duration::ZERO, || {
            calls += 1;
            if calls < 3 { Err(busy()) } else { Ok(calls) }
        });
        assert_eq!(result.unwrap(), 3);
    }

    #[test]
    fn busy_forever_gives_up_after_the_bound() {
        let mut calls = 0;
        let result: Result<(), _> = retry_busy_with("TEST", 4, Duration::ZERO, || {
            calls += 1;
            Err(busy())
        });
        assert!(matches!(
            result,
            Err(AttestError::DeviceBusy {
                request: "TEST",
                attempts: 4
            })
        ));
        assert_eq!(calls, 4);
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let result: Result<(), _> = retry_busy_with("TEST", 4, Duration::ZERO, || {
            calls += 1;
            if calls == 1 {
                Err(io::Error::from_raw_os_error(libc::EINTR))
            } else {
                Err(io::Error::from_raw_os_error(libc::EINVAL))
            }
        });
        assert!(matches!(
            result,
            Err(AttestError::Ioctl {
                request: "TEST",
                ..
            })
        ));
        assert_eq!(calls, 2);
    }
}
