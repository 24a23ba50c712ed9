//! Kiosk mode's pieces outside the screens: the staff PIN with its lockout, and delivering a
//! finished summary (print command, spool folder) and the staff alert.

pub mod deliver;
pub mod pin;
