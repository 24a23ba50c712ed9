//! Texts a clinic may replace in its settings (`[wording]`): their declaration, the check of a
//! clinic's replacement and its application.

use super::{ItemIdx, Questionnaire};

/// A text the clinic may replace in its settings (`config.toml`, `[wording]`), such as who
/// assesses and who injects. Patient-facing; records keep the text that was shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Wording {
    pub name: String,
    /// The shipped text.
    pub default: String,
    /// What the clinic should say here.
    pub about: Option<String>,
    /// The clinic's own text, once applied with [`Questionnaire::apply_wording`].
    pub clinic: Option<String>,
    /// The longest text the clinic may give, in characters.
    pub max_length: usize,
}

impl Wording {
    /// The text in use: the clinic's, else the shipped default.
    pub fn text(&self) -> &str {
        self.clinic.as_deref().unwrap_or(&self.default)
    }
}

/// A question's text as written, with `{wording.NAME}` placeholders: split into literal pieces
/// and wording indexes, refilled whenever the wording changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Worded {
    pub item: ItemIdx,
    pub parts: Vec<WordedPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WordedPart {
    Text(String),
    /// Index into [`Meta::wording`].
    Wording(usize),
}

/// Why a clinic's wording cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordingError {
    #[error("`{name}` is not a wording of this questionnaire{}", suggest(.closest.as_deref()))]
    Unknown {
        name: String,
        closest: Option<String>,
    },
    #[error("`{name}` is empty")]
    Empty { name: String },
    #[error("`{name}` is {len} characters; at most {max} fit")]
    TooLong {
        name: String,
        len: usize,
        max: usize,
    },
}

fn suggest(closest: Option<&str>) -> String {
    match closest {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

impl Questionnaire {
    /// Checks a clinic's wording (name, text) against this questionnaire's, without changing
    /// anything. The text is cleaned of control characters first.
    pub fn check_wording(&self, name: &str, text: &str) -> Result<(), WordingError> {
        let Some(w) = self.meta.wording.iter().find(|w| w.name == name) else {
            let closest = self
                .meta
                .wording
                .iter()
                .map(|w| (strsim::jaro_winkler(name, &w.name), &w.name))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| n.clone());
            return Err(WordingError::Unknown {
                name: name.to_owned(),
                closest,
            });
        };
        let cleaned = crate::text::clean(text);
        let len = cleaned.trim().chars().count();
        if len == 0 {
            return Err(WordingError::Empty {
                name: name.to_owned(),
            });
        }
        if len > w.max_length {
            return Err(WordingError::TooLong {
                name: name.to_owned(),
                len,
                max: w.max_length,
            });
        }
        Ok(())
    }

    /// Puts a clinic's wording (`[wording]` of its settings) into the question texts that use
    /// it. Names this questionnaire does not have are errors (nothing is changed then).
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub fn apply_wording<'a>(
        &mut self,
        clinic: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<(), Vec<WordingError>> {
        let errors: Vec<WordingError> = clinic
            .clone()
            .into_iter()
            .filter_map(|(n, t)| self.check_wording(n, t).err())
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        for (name, text) in clinic {
            if let Some(w) = self.meta.wording.iter_mut().find(|w| w.name == name) {
                w.clinic = Some(crate::text::clean(text).trim().to_owned());
            }
        }
        for worded in &self.meta.worded {
            let mut out = String::new();
            for p in &worded.parts {
                match p {
                    WordedPart::Text(t) => out.push_str(t),
                    WordedPart::Wording(i) => out.push_str(self.meta.wording[*i].text()),
                }
            }
            if let Some(it) = self.items.get_mut(worded.item.to_usize()) {
                it.text = out;
            }
        }
        Ok(())
    }
}
