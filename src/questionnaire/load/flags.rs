//! Flags, outcome texts, the summary layout, unused derived values and staff-only answers.

use super::{
    Builder, Derived, Expr, Flag, FlagAction, Item, ItemIdx, OutcomeText, Outcomes, RawDerived,
    RawFlag, RawOutcomeText, RawOutcomes, RawRow, RawSummary, Ref, RowValue, S, SummaryBlock,
    SummaryLayout, SummaryRow, Ty, strings, text,
};

impl Builder<'_> {
    pub(super) fn flags(
        &mut self,
        raw: &[S<RawFlag>],
        derived_max: &[Option<ItemIdx>],
    ) -> Vec<Flag> {
        let items = self.items.clone();
        let mut out = Vec::new();
        for f in raw {
            let f = f.get_ref();
            let when = self.condition(&f.when, &items);
            let text = self.template(&f.text, &items);
            let action = f.action.as_ref().map(|a| *a.get_ref());
            if let (Some(FlagAction::Pause), None, Some(a)) = (action, &f.message, &f.action) {
                self.err(
                    a.span(),
                    "a `pause` flag needs a `message` for the patient's support screen",
                    "no support text",
                    Some("add message = \"Thank you for telling us. ...\"".into()),
                );
            }
            let mut show = Vec::new();
            for s in &f.show {
                match self.names.get(s.get_ref().as_str()) {
                    Some((Ref::Question(i), ty)) if *ty != Ty::Info => show.push(*i),
                    _ => self.err(
                        s.span(),
                        format!("`show` names `{}`, which is not a question", s.get_ref()),
                        "not a question",
                        None,
                    ),
                }
            }
            if let (Some(FlagAction::Pause), Some(l)) = (action, &f.latch)
                && !*l.get_ref()
            {
                self.err(
                    l.span(),
                    "a `pause` flag is always latched: a safety disclosure stays on the record",
                    "cannot be turned off",
                    Some("remove `latch = false`".into()),
                );
            }
            let latch =
                action == Some(FlagAction::Pause) || f.latch.as_ref().is_some_and(|l| *l.get_ref());
            let Some(when) = when else { continue };
            let mut refs = Vec::new();
            when.refs(&mut refs);
            let position = refs
                .iter()
                .filter_map(|r| match r {
                    Ref::Question(q) => Some(*q),
                    Ref::Derived(d) => derived_max.get(d.to_usize()).copied().flatten(),
                    Ref::VisitDate => None,
                })
                .max()
                .unwrap_or(ItemIdx::new(0));
            out.push(Flag {
                id: f.id.get_ref().clone(),
                severity: *f.severity.get_ref(),
                when,
                text,
                action,
                message: f.message.as_deref().map(text::clean),
                show,
                list_triggers: f.list_triggers.unwrap_or(true),
                basis: f.basis.clone(),
                position,
                latch,
            });
        }
        out
    }

    pub(super) fn outcome(raw: Option<RawOutcomes>) -> Outcomes {
        let pick = |r: Option<RawOutcomeText>, banner: &str, text: &str| match r {
            Some(r) => OutcomeText {
                banner: text::clean_line(&r.banner),
                text: text::clean_line(&r.text),
            },
            None => OutcomeText {
                banner: banner.into(),
                text: text.into(),
            },
        };
        let raw = raw.unwrap_or(RawOutcomes {
            stop: None,
            caution: None,
            clear: None,
            not_assessed: None,
            no_rules: None,
            footer: None,
            disclaimer: None,
        });
        Outcomes {
            stop: pick(
                raw.stop,
                strings::OUTCOME_STOP_BANNER,
                strings::OUTCOME_STOP_TEXT,
            ),
            caution: pick(
                raw.caution,
                strings::OUTCOME_CAUTION_BANNER,
                strings::OUTCOME_CAUTION_TEXT,
            ),
            clear: pick(
                raw.clear,
                strings::OUTCOME_CLEAR_BANNER,
                strings::OUTCOME_CLEAR_TEXT,
            ),
            not_assessed: pick(
                raw.not_assessed,
                strings::OUTCOME_NOT_ASSESSED_BANNER,
                strings::OUTCOME_NOT_ASSESSED_TEXT,
            ),
            no_rules: pick(
                raw.no_rules,
                strings::OUTCOME_NO_RULES_BANNER,
                strings::OUTCOME_NO_RULES_TEXT,
            ),
            footer: raw
                .footer
                .map_or_else(|| strings::OUTCOME_FOOTER.into(), |f| text::clean_line(&f)),
            disclaimer: raw
                .disclaimer
                .map_or_else(|| strings::DISCLAIMER.into(), |f| text::clean_line(&f)),
        }
    }

    fn row(&mut self, r: &S<RawRow>, items: &[Item]) -> Option<SummaryRow> {
        let row = r.get_ref();
        let show_if = row.show_if.as_ref().and_then(|c| self.condition(c, items));
        let value = match (&row.value, &row.answers) {
            (Some(v), None) => RowValue::Template(self.template(v, items)),
            (None, Some(ids)) => {
                let mut refs = Vec::new();
                for id in ids {
                    match self.names.get(id.get_ref().as_str()) {
                        Some((_, Ty::Info)) | None => self.err(
                            id.span(),
                            format!("`{}` is not a question or derived value", id.get_ref()),
                            "nothing to show",
                            None,
                        ),
                        Some((r, _)) => refs.push(*r),
                    }
                }
                RowValue::Answers(refs)
            }
            _ => {
                self.err(r.span(), "a summary row needs either `value` (a text with {placeholders}) or `answers` (a list of ids)", "this row", None);
                return None;
            }
        };
        Some(SummaryRow {
            label: text::clean_line(&row.label),
            value,
            show_if,
            optional: row.optional.unwrap_or(false),
        })
    }

    pub(super) fn summary(&mut self, raw: Option<&RawSummary>) -> SummaryLayout {
        let Some(raw) = raw else {
            return SummaryLayout {
                signoff: strings::SIGNOFF.iter().map(|s| (*s).to_owned()).collect(),
                ..Default::default()
            };
        };
        let items = self.items.clone();
        let header = raw
            .header
            .iter()
            .filter_map(|r| self.row(r, &items))
            .collect();
        let mut blocks = Vec::new();
        for b in &raw.block {
            let bl = b.get_ref();
            let show_if = bl.show_if.as_ref().and_then(|c| self.condition(c, &items));
            let rows = bl.rows.iter().filter_map(|r| self.row(r, &items)).collect();
            blocks.push(SummaryBlock {
                title: text::clean_line(&bl.title),
                show_if,
                rows,
            });
        }
        let signoff = match &raw.signoff {
            Some(lines) => lines.iter().map(|l| text::clean_line(l)).collect(),
            None => strings::SIGNOFF.iter().map(|s| (*s).to_owned()).collect(),
        };
        SummaryLayout {
            header,
            blocks,
            signoff,
        }
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn unused_derived(
        &mut self,
        raw_derived: &[S<RawDerived>],
        derived: &[Option<Derived>],
        flags: &[Flag],
        summary: &SummaryLayout,
    ) {
        let mut used = vec![false; derived.len()];
        let mut mark = |e: &Expr| {
            let mut refs = Vec::new();
            e.refs(&mut refs);
            for r in refs {
                if let Ref::Derived(d) = r {
                    used[d.to_usize()] = true;
                }
            }
        };
        for it in &self.items {
            if let Some(e) = &it.show_if {
                mark(e);
            }
            if let Some((e, _)) = &it.valid_if {
                mark(e);
            }
        }
        for d in derived.iter().flatten() {
            mark(&d.expr);
        }
        for f in flags {
            mark(&f.when);
            f.text.conditions().into_iter().for_each(&mut mark);
        }
        let mut template_refs: Vec<Ref> = flags.iter().flat_map(|f| f.text.refs()).collect();
        let rows = summary
            .header
            .iter()
            .chain(summary.blocks.iter().flat_map(|b| b.rows.iter()));
        for row in rows {
            if let Some(e) = &row.show_if {
                mark(e);
            }
            match &row.value {
                RowValue::Template(t) => {
                    t.conditions().into_iter().for_each(&mut mark);
                    template_refs.extend(t.refs());
                }
                RowValue::Answers(refs) => template_refs.extend(refs.iter().copied()),
            }
        }
        for b in &summary.blocks {
            if let Some(e) = &b.show_if {
                mark(e);
            }
        }
        for r in template_refs {
            if let Ref::Derived(d) = r {
                used[d.to_usize()] = true;
            }
        }
        for (i, d) in raw_derived.iter().enumerate() {
            if !used[i] && derived[i].is_some() {
                let id = d.get_ref().id.clone();
                self.warn(
                    id.span(),
                    format!("derived value `{}` is never used", id.get_ref()),
                    "unused",
                    Some("use it in a condition, flag text or summary row, or remove it".into()),
                );
            }
        }
    }

    /// `staff_answers = { a_respondent = "staff" }`: each must be a valid answer to a question.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn staff_answers(
        &mut self,
        t: &S<toml::Table>,
    ) -> Vec<(ItemIdx, crate::answer::Answer)> {
        let mut out = Vec::new();
        for (id, v) in t.get_ref() {
            let Some((Ref::Question(i), ty)) = self.names.get(id.as_str()).copied() else {
                self.err(
                    t.span(),
                    format!("`staff_answers` names `{id}`, which is not a question"),
                    "unknown question",
                    None,
                );
                continue;
            };
            if ty == Ty::Info {
                self.err(
                    t.span(),
                    format!("`staff_answers` names `{id}`, which has no answer"),
                    "not a question",
                    None,
                );
                continue;
            }
            let item = &self.items[i.to_usize()];
            let answer = crate::questionnaire::values::answer_for_item(
                item,
                &crate::questionnaire::values::RawValue::from_toml(v),
            )
            .and_then(|a| {
                crate::questionnaire::validate::check(
                    item,
                    a,
                    jiff::civil::Date::constant(2000, 1, 1),
                )
                .map_err(|e| e.message)
            });
            match answer {
                Ok(a) => out.push((i, a)),
                Err(e) => self.err(
                    t.span(),
                    format!("`staff_answers`: {e}"),
                    "not a valid answer",
                    None,
                ),
            }
        }
        out
    }
}
