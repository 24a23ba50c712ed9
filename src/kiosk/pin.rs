//! The staff PIN: stored as an argon2id hash (19 MiB, 2 passes) in the data directory (0600),
//! checked with a delay that doubles after each wrong PIN and, after too many, a lockout. The
//! attempt counter is the audit log's `pin_failed` rows in the database (append-only, kept across
//! restarts; deleting or damaging a file cannot reset it). A patient can never lock staff out of
//! a safety pause: there wrong PINs only slow the next try (at most [`MAX_DELAY`]). A second
//! secret, the clinic's recovery PIN (`triage pin set --recovery`, 8 to 64 characters, kept in a
//! drawer or a password manager), lifts a lockout at once. Prescribers' own PINs (the doctor's
//! inbox, `triage pin set --prescriber ID`) use the same hash and rules, each with its own hash
//! file ([`Holder::hash_file`]) and its own attempt counter (audit rows whose detail names the
//! prescriber, [`Holder::detail`]); the recovery PIN is for the staff PIN only.

use std::path::{Path, PathBuf};
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use jiff::{SignedDuration, Timestamp};

use crate::store::{AuditEvent, Store, StoreError, write_atomic};

pub const PIN_FILE: &str = "staff_pin";
/// The recovery PIN's hash.
pub const RECOVERY_FILE: &str = "staff_recovery_pin";
/// Where attempts were counted before they moved into the database: removed by `pin set`,
/// never read (deleting it used to reset the lockout).
pub const LEGACY_ATTEMPTS_FILE: &str = "pin_attempts.json";

/// The folder of prescribers' PIN hashes inside the data directory: `prescribers/ID.pin`.
pub const PRESCRIBER_DIR: &str = "prescribers";

/// Whose PIN: the staff PIN (kiosk staff menu, private forms, safety pause) or a prescriber's
/// own PIN for the inbox. A prescriber id is checked by the clinic settings (letters, digits,
/// dashes, underscores).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder<'a> {
    Staff,
    Prescriber(&'a str),
}

impl Holder<'_> {
    /// The file that holds this PIN's argon2id hash.
    pub fn hash_file(self, dir: &Path) -> PathBuf {
        match self {
            Holder::Staff => dir.join(PIN_FILE),
            Holder::Prescriber(id) => dir.join(PRESCRIBER_DIR).join(format!("{id}.pin")),
        }
    }

    /// The audit detail of a prescriber's PIN events (`prescriber:ID`), by which their attempts
    /// are counted apart from the staff PIN's; `None` for the staff PIN.
    pub fn detail(self) -> Option<String> {
        match self {
            Holder::Staff => None,
            Holder::Prescriber(id) => Some(format!("prescriber:{id}")),
        }
    }
}

/// Memory (KiB) and passes for argon2id: OWASP's minimum recommendation.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
/// The longest wait between two tries, however many were wrong.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must be 4 to 32 characters with no spaces")]
    BadPin,
    #[error("the recovery PIN must be 8 to 64 characters with no spaces")]
    BadRecovery,
    #[error("the recovery PIN must differ from the staff PIN")]
    SameAsPin,
    #[error("the two PINs do not match")]
    Mismatch,
    #[error("no staff PIN is set; set one with `triage pin set`")]
    NotSet,
    #[error("the staff PIN file is damaged; set the PIN again with `triage pin set`")]
    Damaged,
    #[error("cannot read or write the PIN files: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// How PIN attempts are limited.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Wrong PINs before the lockout (staff access only; never during a safety pause).
    pub attempts: u32,
    pub lockout: Duration,
    /// The wait after the first wrong PIN; it doubles with each further one, up to
    /// [`MAX_DELAY`].
    pub delay: Duration,
}

/// Why the PIN is asked: staff access (the staff menu, a private form), or letting a patient
/// past a safety pause, which must never be locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Staff,
    Pause,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Staff => "staff",
            Purpose::Pause => "pause",
        }
    }
}

/// The result of checking a PIN.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Right,
    /// The recovery PIN was typed: staff are let in and any lockout is lifted.
    Recovered,
    Wrong {
        /// Tries left before the lockout (`None` at a safety pause, which has none).
        left: Option<u32>,
        retry_at: Timestamp,
    },
    /// Too many wrong PINs: only the recovery PIN opens until then.
    Locked {
        until: Timestamp,
        /// Whether a recovery PIN is set.
        recovery: bool,
    },
    /// Too soon after a wrong PIN: not checked.
    TooSoon {
        retry_at: Timestamp,
    },
}

fn argon() -> Result<Argon2<'static>, PinError> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|_| PinError::Damaged)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn valid(pin: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&pin.chars().count()) && !pin.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn hash(pin: &str) -> Result<String, PinError> {
    argon().and_then(|a| {
        a.hash_password(pin.as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| PinError::Damaged)
    })
}

fn matches(stored: &str, pin: &str) -> Result<bool, PinError> {
    Ok(argon()?
        .verify_password(pin.as_bytes(), stored.trim())
        .is_ok())
}

/// Writes a PIN's hash to `file` (its folders private, 0700) after checking it is not the same
/// as the one in `other` (the staff and recovery PINs must differ), and starts the attempt
/// counter again (`pin_reset`, with `detail`).
fn store_hash(
    dir: &Path,
    store: &mut dyn Store,
    file: &Path,
    pin: &str,
    other: Option<&str>,
    detail: &str,
    now: Timestamp,
) -> Result<(), PinError> {
    if let Some(other) = other
        && read_hash(dir, other)?.is_some_and(|h| matches(&h, pin).unwrap_or(false))
    {
        return Err(PinError::SameAsPin);
    }
    crate::store::ensure_private_dir(dir)?;
    if let Some(folder) = file.parent() {
        crate::store::ensure_private_dir(folder)?;
    }
    write_atomic(file, hash(pin)?.as_bytes())?;
    store.log_detail(AuditEvent::PinReset, None, None, detail, now)?;
    Ok(())
}

/// Stores a new staff PIN (hash only); the attempt counter starts again (`pin_reset`).
pub fn set_pin(
    dir: &Path,
    store: &mut dyn Store,
    pin: &str,
    now: Timestamp,
) -> Result<(), PinError> {
    if !valid(pin, 4..=32) {
        return Err(PinError::BadPin);
    }
    let file = dir.join(PIN_FILE);
    store_hash(dir, store, &file, pin, Some(RECOVERY_FILE), "pin_set", now)?;
    let _ = std::fs::remove_file(dir.join(LEGACY_ATTEMPTS_FILE));
    Ok(())
}

/// Stores the recovery PIN (hash only), which lifts a lockout; the counter starts again.
pub fn set_recovery(
    dir: &Path,
    store: &mut dyn Store,
    pin: &str,
    now: Timestamp,
) -> Result<(), PinError> {
    if !valid(pin, 8..=64) {
        return Err(PinError::BadRecovery);
    }
    let file = dir.join(RECOVERY_FILE);
    store_hash(dir, store, &file, pin, Some(PIN_FILE), "recovery_set", now)
}

/// Stores a prescriber's own PIN (hash only, in [`PRESCRIBER_DIR`], 0700); their attempt
/// counter starts again.
pub fn set_prescriber_pin(
    dir: &Path,
    store: &mut dyn Store,
    id: &str,
    pin: &str,
    now: Timestamp,
) -> Result<(), PinError> {
    if !valid(pin, 4..=32) {
        return Err(PinError::BadPin);
    }
    let holder = Holder::Prescriber(id);
    let detail = holder.detail().unwrap_or_default();
    store_hash(dir, store, &holder.hash_file(dir), pin, None, &detail, now)
}

pub fn is_set(dir: &Path) -> bool {
    Holder::Staff.hash_file(dir).is_file()
}

fn read_hash(dir: &Path, name: &str) -> Result<Option<String>, PinError> {
    read_hash_at(&dir.join(name))
}

fn read_hash_at(path: &Path) -> Result<Option<String>, PinError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PinError::Io(e)),
    }
}

fn after(now: Timestamp, d: Duration) -> Timestamp {
    now.checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX))
        .unwrap_or(Timestamp::MAX)
}

/// The wait after the `n`th wrong PIN in a row: `delay` doubled each time, at most [`MAX_DELAY`].
fn delay_after(policy: &Policy, n: usize) -> Duration {
    let doublings = u32::try_from(n.saturating_sub(1).min(16)).unwrap_or(16);
    policy
        .delay
        .saturating_mul(1 << doublings)
        .min(MAX_DELAY.max(policy.delay))
}

/// Checks a PIN under the policy for `purpose`, recording the attempt in the audit log before
/// answering. Staff access locks after `policy.attempts` wrong PINs for `policy.lockout`, and
/// then only the recovery PIN opens; at a safety pause wrong PINs only delay the next try.
///
/// The recovery PIN is checked first, at any time: it lifts a lockout or a wait at once
/// (docs/kiosk.md). Only a PIN wrong for both counts as a failure (`pin_failed`), whenever it is
/// typed, so waiting never offers free guesses; the right staff PIN typed during a lockout or a
/// wait is refused without counting (`pin_refused`). During a lockout the answer is always
/// [`Check::Locked`] with the lockout's real end, never the shorter wait between tries.
pub fn check(
    dir: &Path,
    store: &mut dyn Store,
    pin: &str,
    policy: &Policy,
    purpose: Purpose,
    now: Timestamp,
) -> Result<Check, PinError> {
    check_as(dir, store, Holder::Staff, pin, policy, purpose, now)
}

/// Checks a prescriber's own PIN (the inbox), with the same delays and lockout as staff access
/// and a counter of their own; no recovery PIN.
pub fn check_prescriber(
    dir: &Path,
    store: &mut dyn Store,
    id: &str,
    pin: &str,
    policy: &Policy,
    now: Timestamp,
) -> Result<Check, PinError> {
    let holder = Holder::Prescriber(id);
    check_as(dir, store, holder, pin, policy, Purpose::Staff, now)
}

fn check_as(
    dir: &Path,
    store: &mut dyn Store,
    holder: Holder<'_>,
    pin: &str,
    policy: &Policy,
    purpose: Purpose,
    now: Timestamp,
) -> Result<Check, PinError> {
    let stored = read_hash_at(&holder.hash_file(dir))?.ok_or(PinError::NotSet)?;
    let recovery = match holder {
        Holder::Staff => read_hash(dir, RECOVERY_FILE)?,
        Holder::Prescriber(_) => None,
    };
    let who = holder.detail();
    let mut failures = store.pin_failures(who.as_deref())?;
    let limit = policy.attempts.max(1) as usize;
    // The lockout began with the failure that reached the limit.
    let mut locked_until = failures.get(limit - 1).map(|t| after(*t, policy.lockout));
    let detail = |d: &str| who.clone().unwrap_or_else(|| d.to_owned());
    if locked_until.is_some_and(|u| u <= now) {
        // The lockout is over: a fresh set of attempts.
        store.log_detail(
            AuditEvent::PinReset,
            None,
            None,
            &detail("lockout_over"),
            now,
        )?;
        failures.clear();
        locked_until = None;
    }
    let locked = match purpose {
        Purpose::Staff => locked_until,
        Purpose::Pause => None,
    };
    let too_soon = failures
        .last()
        .map(|last| after(*last, delay_after(policy, failures.len())))
        .filter(|retry_at| *retry_at > now);
    let event =
        |store: &mut dyn Store, e: AuditEvent, d: &str| store.log_detail(e, None, None, d, now);
    // The recovery PIN is checked first, at any moment: it lifts a lockout or a wait at once.
    if let Some(r) = &recovery
        && matches(r, pin)?
    {
        event(store, AuditEvent::PinRecovered, &detail(purpose.as_str()))?;
        return Ok(Check::Recovered);
    }
    let has_recovery = recovery.is_some();
    if matches(&stored, pin)? {
        let refused = match (locked, too_soon) {
            (Some(until), _) => Check::Locked {
                until,
                recovery: has_recovery,
            },
            (None, Some(retry_at)) => Check::TooSoon { retry_at },
            (None, None) => {
                event(store, AuditEvent::PinOk, &detail(purpose.as_str()))?;
                return Ok(Check::Right);
            }
        };
        event(store, AuditEvent::PinRefused, &detail(purpose.as_str()))?;
        return Ok(refused);
    }
    let failed = if locked.is_some() {
        detail(&format!("{} locked", purpose.as_str()))
    } else {
        detail(purpose.as_str())
    };
    event(store, AuditEvent::PinFailed, &failed)?;
    let n = failures.len() + 1;
    let retry_at = after(now, delay_after(policy, n));
    Ok(match (purpose, locked) {
        (Purpose::Staff, Some(until)) => Check::Locked {
            until,
            recovery: has_recovery,
        },
        (Purpose::Staff, None) if n >= limit => Check::Locked {
            until: after(now, policy.lockout),
            recovery: has_recovery,
        },
        (Purpose::Staff, None) => Check::Wrong {
            left: Some(u32::try_from(limit - n).unwrap_or(u32::MAX)),
            retry_at,
        },
        (Purpose::Pause, _) => Check::Wrong {
            left: None,
            retry_at,
        },
    })
}

/// When staff access is locked, until when (for the PIN screen before anything is typed).
pub fn locked_until(
    store: &dyn Store,
    policy: &Policy,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let failures = store.pin_failures(None)?;
    Ok(failures
        .get(policy.attempts.max(1) as usize - 1)
        .map(|t| after(*t, policy.lockout))
        .filter(|u| *u > now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    fn policy() -> Policy {
        Policy {
            attempts: 3,
            lockout: Duration::from_mins(10),
            delay: Duration::from_secs(1),
        }
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_750_000_000 + s).expect("ts")
    }

    fn setup() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = SqliteStore::open(dir.path()).expect("store");
        set_pin(dir.path(), &mut store, "4321", t(-10)).expect("set");
        (dir, store)
    }

    /// The right PIN opens; the stored file holds an argon2id hash, not the PIN, with mode 0600.
    #[test]
    fn right_pin_and_hash_file() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, mut store) = setup();
        let stored = std::fs::read_to_string(dir.path().join(PIN_FILE)).expect("read");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(!stored.contains("4321"));
        assert_eq!(
            std::fs::metadata(dir.path().join(PIN_FILE))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        assert_eq!(
            check(
                dir.path(),
                &mut store,
                "4321",
                &policy(),
                Purpose::Staff,
                t(0)
            )
            .expect("check"),
            Check::Right
        );
    }

    /// Wrong PINs: a doubling delay, then a lockout that holds until it expires, kept in the
    /// database (a new connection sees it; no file to delete).
    #[test]
    fn wrong_pins_delay_then_lock() {
        let (dir, mut store) = setup();
        let p = policy();
        let c = |store: &mut SqliteStore, pin: &str, at| {
            check(dir.path(), store, pin, &p, Purpose::Staff, at).expect("check")
        };
        assert_eq!(
            c(&mut store, "0000", t(0)),
            Check::Wrong {
                left: Some(2),
                retry_at: t(1)
            }
        );
        assert_eq!(
            c(&mut store, "4321", t(0)),
            Check::TooSoon { retry_at: t(1) },
            "not even the right PIN during the delay (and it is not counted)"
        );
        assert_eq!(
            c(&mut store, "0000", t(1)),
            Check::Wrong {
                left: Some(1),
                retry_at: t(3)
            }
        );
        let locked = Check::Locked {
            until: t(603),
            recovery: false,
        };
        assert_eq!(c(&mut store, "0000", t(3)), locked);
        drop(store);
        let mut store = SqliteStore::open(dir.path()).expect("reopen");
        assert_eq!(
            c(&mut store, "4321", t(100)),
            locked,
            "kept across restarts"
        );
        assert_eq!(c(&mut store, "4321", t(603)), Check::Right);
        let audit = store.audit().expect("audit");
        let count = |e: &str| audit.iter().filter(|r| r.event == e).count();
        assert_eq!(count("pin_failed"), 3, "the right PIN is never a failure");
        assert_eq!(
            count("pin_refused"),
            2,
            "refused during the delay and the lockout"
        );
    }

    /// During a lockout: the right staff PIN is refused without lengthening anything, the
    /// answer always names the lockout's real end (not the wait between tries, also after a
    /// restart), a PIN wrong for both counts, and the recovery PIN opens at any moment, even
    /// within the wait after a wrong PIN.
    #[test]
    fn during_a_lockout() {
        let (dir, mut store) = setup();
        set_recovery(dir.path(), &mut store, "drawer-2468", t(-5)).expect("recovery");
        let p = policy();
        let c = |store: &mut SqliteStore, pin: &str, at| {
            check(dir.path(), store, pin, &p, Purpose::Staff, at).expect("check")
        };
        for at in [0, 1, 3] {
            c(&mut store, "0000", t(at));
        }
        let locked = Check::Locked {
            until: t(603),
            recovery: true,
        };
        drop(store);
        let mut store = SqliteStore::open(dir.path()).expect("reopen");
        assert_eq!(
            c(&mut store, "4321", t(4)),
            locked,
            "within the short wait too"
        );
        assert_eq!(store.pin_failures(None).expect("failures").len(), 3);
        assert_eq!(c(&mut store, "1111", t(5)), locked, "wrong for both");
        assert_eq!(store.pin_failures(None).expect("failures").len(), 4);
        assert_eq!(c(&mut store, "drawer-2468", t(6)), Check::Recovered);
        assert_eq!(c(&mut store, "4321", t(7)), Check::Right);
    }

    /// The recovery PIN opens during the wait after a wrong PIN, without waiting.
    #[test]
    fn recovery_pin_needs_no_wait() {
        let (dir, mut store) = setup();
        set_recovery(dir.path(), &mut store, "drawer-2468", t(-5)).expect("recovery");
        let p = Policy {
            delay: Duration::from_secs(20),
            ..policy()
        };
        check(dir.path(), &mut store, "0000", &p, Purpose::Staff, t(0)).expect("check");
        assert_eq!(
            check(
                dir.path(),
                &mut store,
                "drawer-2468",
                &p,
                Purpose::Staff,
                t(1)
            )
            .expect("check"),
            Check::Recovered
        );
    }

    /// At a safety pause wrong PINs never lock: each only delays the next try, at most 30 s,
    /// and the right PIN then opens.
    #[test]
    fn pause_backs_off_without_lockout() {
        let (dir, mut store) = setup();
        let p = policy();
        let mut at = t(0);
        for n in 1..=10u32 {
            match check(dir.path(), &mut store, "0000", &p, Purpose::Pause, at).expect("check") {
                Check::Wrong {
                    left: None,
                    retry_at,
                } => {
                    let wait = retry_at.as_second() - at.as_second();
                    assert_eq!(wait, i64::from(1u32 << (n - 1)).min(30), "try {n}");
                    at = retry_at;
                }
                other => panic!("try {n}: {other:?}"),
            }
        }
        assert_eq!(
            check(dir.path(), &mut store, "4321", &p, Purpose::Pause, at).expect("check"),
            Check::Right
        );
    }

    /// The recovery PIN lifts a lockout at once and resets the counter; it must differ from
    /// the staff PIN and be at least 8 characters.
    #[test]
    fn recovery_pin_lifts_the_lockout() {
        let (dir, mut store) = setup();
        assert!(matches!(
            set_recovery(dir.path(), &mut store, "short", t(-5)),
            Err(PinError::BadRecovery)
        ));
        set_recovery(dir.path(), &mut store, "drawer-2468", t(-5)).expect("recovery");
        let p = Policy {
            delay: Duration::ZERO,
            ..policy()
        };
        for _ in 0..3 {
            check(dir.path(), &mut store, "0000", &p, Purpose::Staff, t(0)).expect("check");
        }
        assert_eq!(
            check(dir.path(), &mut store, "4321", &p, Purpose::Staff, t(1)).expect("check"),
            Check::Locked {
                until: t(600),
                recovery: true
            }
        );
        assert_eq!(
            check(
                dir.path(),
                &mut store,
                "drawer-2468",
                &p,
                Purpose::Staff,
                t(2)
            )
            .expect("check"),
            Check::Recovered
        );
        assert_eq!(store.pin_failures(None).expect("failures"), Vec::new());
        assert_eq!(
            check(dir.path(), &mut store, "4321", &p, Purpose::Staff, t(3)).expect("check"),
            Check::Right
        );
    }

    /// Short, spaced or missing PINs are refused plainly.
    #[test]
    fn bad_pins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = SqliteStore::open(dir.path()).expect("store");
        assert!(matches!(
            set_pin(dir.path(), &mut store, "12", t(0)),
            Err(PinError::BadPin)
        ));
        assert!(matches!(
            set_pin(dir.path(), &mut store, "12 34", t(0)),
            Err(PinError::BadPin)
        ));
        assert!(matches!(
            check(
                dir.path(),
                &mut store,
                "1234",
                &policy(),
                Purpose::Staff,
                t(0)
            ),
            Err(PinError::NotSet)
        ));
    }

    /// A prescriber's PIN has a counter of its own: their wrong PINs neither count against the
    /// staff PIN nor the other way round, and a lockout holds for them alone.
    #[test]
    fn prescriber_pins_count_apart() {
        let (dir, mut store) = setup();
        set_prescriber_pin(dir.path(), &mut store, "dr_a", "9876", t(-5)).expect("set");
        let p = Policy {
            delay: Duration::ZERO,
            ..policy()
        };
        let hash = std::fs::read_to_string(Holder::Prescriber("dr_a").hash_file(dir.path()))
            .expect("hash file");
        assert!(hash.starts_with("$argon2id$") && !hash.contains("9876"));
        for _ in 0..3 {
            check_prescriber(dir.path(), &mut store, "dr_a", "0000", &p, t(0)).expect("check");
        }
        assert!(matches!(
            check_prescriber(dir.path(), &mut store, "dr_a", "9876", &p, t(1)).expect("check"),
            Check::Locked { .. }
        ));
        assert_eq!(store.pin_failures(None).expect("staff"), Vec::new());
        assert_eq!(
            check(dir.path(), &mut store, "4321", &p, Purpose::Staff, t(1)).expect("check"),
            Check::Right,
            "staff are not locked out by a prescriber's wrong PINs"
        );
        assert_eq!(
            check_prescriber(dir.path(), &mut store, "dr_a", "9876", &p, t(700)).expect("check"),
            Check::Right,
            "the prescriber's lockout ends"
        );
    }
}
