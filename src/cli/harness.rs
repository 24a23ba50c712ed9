//! A hidden command for the crash tests: starts a draft and commits the answers of an answers
//! file one at a time, `rounds` times over, printing `ack ITEM` after each commit returns. A test
//! kills it at random moments and then checks that every acknowledged answer is in the store.
//! It uses the same store calls as the interactive walk-through.

use std::path::Path;

use super::{CliError, Io, Status, open_store, read};
use crate::answers;
use crate::store::{QuestionnaireRef, Store};

pub fn autosave_harness(
    io: &mut Io<'_>,
    data_dir: Option<&Path>,
    answers_file: &Path,
    rounds: usize,
) -> Result<Status, CliError> {
    let file = answers::parse_answers_file(&read(answers_file)?)
        .map_err(|_| CliError::Usage("the answers file does not parse".into()))?;
    let mut store = open_store(data_dir)?;
    let q = QuestionnaireRef {
        id: file
            .questionnaire
            .clone()
            .unwrap_or_else(|| "harness".into()),
        version: "1".into(),
        content_hash: "sha256:harness".into(),
    };
    let now = jiff::Timestamp::now();
    let draft = store.start_draft(&q, "2025-06-02", now)?;
    writeln!(io.out, "draft {draft}")?;
    io.out.flush()?;
    for _ in 0..rounds {
        for a in &file.answers {
            let v = match &a.value {
                answers::RawValue::Str(s) => serde_json::Value::String(s.clone()),
                answers::RawValue::Num(n) => serde_json::json!(n),
                answers::RawValue::List(l) => serde_json::Value::Array(
                    l.iter()
                        .filter_map(|x| {
                            if let answers::RawValue::Str(s) = x {
                                Some(serde_json::Value::String(s.clone()))
                            } else {
                                None
                            }
                        })
                        .collect(),
                ),
                _ => serde_json::Value::Null,
            };
            store.save_answer(draft, &a.id, Some(&v), jiff::Timestamp::now())?;
            writeln!(io.out, "ack {}", a.id)?;
            io.out.flush()?;
        }
    }
    Ok(Status::Ok)
}
