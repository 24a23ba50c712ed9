//! The tables written out for people: `docs/keys.md` is this text (a test keeps it so), so a
//! clinic can read what every key does on every screen, and what a kiosk's keyboard allows.

use super::patient::{Operator, operator_table};
use super::{Binding, Intent, Key, Keymap, MODES, Typing, keymap};

/// One table as a Markdown section: its name, then a line per binding (keys, intent, hint).
fn section(out: &mut String, map: &Keymap) {
    out.push_str("\n### ");
    out.push_str(map.name);
    out.push_str("\n\n");
    match map.typing {
        Typing::No => {}
        Typing::Chars => out.push_str("Other printable keys are typed.\n\n"),
        Typing::Line => out.push_str(
            "Other printable keys are typed; arrows, Home, End, Backspace, Delete and the \
             readline keys (Ctrl-A, Ctrl-E, Ctrl-W, Ctrl-U, Ctrl-K) edit the line.\n\n",
        ),
    }
    out.push_str("| keys | does | hint |\n|---|---|---|\n");
    for b in map.bindings {
        out.push_str(&row(b));
    }
}

fn row(b: &Binding) -> String {
    let keys: Vec<String> = b.keys.iter().map(|k| k.name()).collect();
    format!(
        "| {} | {} | {} |\n",
        keys.join(", "),
        intent_name(b),
        b.hint.unwrap_or("")
    )
}

fn intent_name(b: &Binding) -> String {
    if b.keys.contains(&Key::Digits) {
        return "Choose(n): the n-th shown".to_owned();
    }
    if b.keys.contains(&Key::Numbers) {
        return "Digit(d): the number printed".to_owned();
    }
    match b.intent {
        Intent::Edit(_) | Intent::Type(_) => "edit".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Every table, operators first, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Keys\n\nGenerated from `src/tui/keymap/` (a test checks this file against the \
         tables; run `UPDATE_KEYS_DOC=1 cargo test --lib keys_doc` after changing them). Keys \
         become intents there before any screen sees them; the hints on screen are filled in \
         from the same tables.\n\n## Who is at the keyboard\n\nLaid over every walk-through \
         screen, first match first. Reception's question keys are laid over the question \
         screens too.\n",
    );
    for op in [Operator::Patient, Operator::Staff, Operator::Kiosk] {
        section(&mut out, operator_table(op));
    }
    section(&mut out, &super::patient::STAFF_STEP);
    out.push_str("\n## Screens\n");
    for mode in MODES {
        section(&mut out, keymap(mode));
    }
    out
}

#[cfg(test)]
mod tests {
    /// docs/keys.md is the tables as they are (set `UPDATE_KEYS_DOC=1` to write it again).
    #[test]
    fn keys_doc() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/keys.md");
        let want = super::markdown();
        if std::env::var_os("UPDATE_KEYS_DOC").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/keys.md differs from the keymap tables: run UPDATE_KEYS_DOC=1 cargo test --lib keys_doc"
        );
    }
}
