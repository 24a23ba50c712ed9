//! Earlier versions of the shipped questionnaire, embedded byte for byte, so a record or an
//! unfinished form made with one of them still opens, resumes and prints with its own rules and
//! text. A version is picked by questionnaire id and content hash, never by version text alone
//! (two files may carry the same version string). Pure: no I/O.

use super::{DEFAULT_SOURCE, Questionnaire, content_hash, load_toml};

/// One embedded questionnaire file.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// A display name, like "botulinum-toxin 1.0.1 (built in)".
    pub name: &'static str,
    pub source: &'static str,
}

/// Versions of the shipped questionnaire that came before the current one, oldest first.
/// Add the file of each version shipped here when its successor ships.
pub const EARLIER: &[Embedded] = &[
    Embedded {
        name: "botulinum-toxin 1.0.0 (built in)",
        source: include_str!("../../questionnaires/history/botulinum-toxin-1.0.0.toml"),
    },
    Embedded {
        name: "botulinum-toxin 1.0.1 (built in)",
        source: include_str!("../../questionnaires/history/botulinum-toxin-1.0.1.toml"),
    },
    // 1.0.1 again, with the page wording of month-only dates ("{days_since_toxin:ago}") that
    // shipped before 1.1.0 under the same version: found by its content hash like the others.
    Embedded {
        name: "botulinum-toxin 1.0.1 with month-only wording (built in)",
        source: include_str!("../../questionnaires/history/botulinum-toxin-1.0.1-b.toml"),
    },
    Embedded {
        name: "botulinum-toxin 1.1.0 (built in)",
        source: include_str!("../../questionnaires/history/botulinum-toxin-1.1.0.toml"),
    },
];

/// Loads the earlier versions of questionnaire `id` (every embedded file with that id whose
/// content differs from `current_hash`), oldest first. A file that no longer loads is left out:
/// its records keep the pages stored with them, and a draft made with it is resumed against the
/// current version with the usual notice that it changed.
pub fn earlier_versions(id: &str, current_hash: &str) -> Vec<Questionnaire> {
    EARLIER
        .iter()
        .filter(|e| content_hash(e.source.as_bytes()) != current_hash)
        .filter_map(|e| load_toml(e.source).questionnaire)
        .filter(|q| q.meta.id == id)
        .collect()
}

/// The embedded questionnaire (the current default or an earlier version) with this id and
/// content hash, loaded; `None` when no embedded file matches.
pub fn embedded(id: &str, hash: &str) -> Option<Questionnaire> {
    std::iter::once(DEFAULT_SOURCE)
        .chain(EARLIER.iter().map(|e| e.source))
        .filter(|src| content_hash(src.as_bytes()) == hash)
        .filter_map(|src| load_toml(src).questionnaire)
        .find(|q| q.meta.id == id)
}

/// The content hashes of [`EARLIER`], worked out once (they are constants of the binary).
fn earlier_hashes() -> &'static [String] {
    static HASHES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        EARLIER
            .iter()
            .map(|e| content_hash(e.source.as_bytes()))
            .collect()
    });
    &HASHES
}

/// The version now shipped, when `q` is an earlier embedded version of the shipped
/// questionnaire (for the page's "judged by an earlier version" line); `None` otherwise.
/// Cheap for every other questionnaire: one comparison per embedded version.
pub fn superseded_by(q: &Questionnaire) -> Option<String> {
    if !earlier_hashes().contains(&q.content_hash) {
        return None;
    }
    let current = load_toml(DEFAULT_SOURCE).questionnaire?;
    (current.meta.id == q.meta.id).then_some(current.meta.version)
}

/// Picks, among `current` and `earlier`, the questionnaire a record or draft was made with
/// (same id and content hash); the current one when none matches.
pub fn pick<'q>(
    current: &'q Questionnaire,
    earlier: &'q [Questionnaire],
    id: &str,
    hash: &str,
) -> &'q Questionnaire {
    earlier
        .iter()
        .find(|q| q.meta.id == id && q.content_hash == hash)
        .unwrap_or(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded earlier version still loads without errors, has the shipped id, and is
    /// found again by its content hash.
    #[test]
    fn earlier_versions_load_and_are_found_by_hash() {
        let current = load_toml(DEFAULT_SOURCE).questionnaire.expect("current");
        let earlier = earlier_versions(&current.meta.id, &current.content_hash);
        assert_eq!(earlier.len(), EARLIER.len(), "every earlier file loads");
        for q in &earlier {
            assert_ne!(q.meta.version, current.meta.version);
            let again = embedded(&q.meta.id, &q.content_hash).expect("found by hash");
            assert_eq!(again.meta.version, q.meta.version);
            assert_eq!(superseded_by(q), Some(current.meta.version.clone()));
            let picked = pick(&current, &earlier, &q.meta.id, &q.content_hash);
            assert_eq!(picked.content_hash, q.content_hash);
        }
        assert_eq!(superseded_by(&current), None);
        assert!(embedded("botulinum-toxin", "sha256:0000").is_none());
        let fallback = pick(&current, &earlier, &current.meta.id, "sha256:0000");
        assert_eq!(fallback.content_hash, current.content_hash);
    }
}
