//! FHIRPath in a Questionnaire: `variable` (on the Questionnaire or an item),
//! `calculatedExpression` (the item's answer is worked out, never asked; a named one is a
//! variable too) and `enableWhenExpression`. Each expression is parsed and its `%names` bound
//! to variables in scope (the item's own, its ancestors', the Questionnaire's); a name that
//! needs the patient's record or a server (`%patient`, an x-fhir-query variable) refuses the
//! file with the name, since the kiosk has neither and the result would be wrong.

use serde_json::Value;

use super::{Importer, PendingExpr};
use crate::expr::fhirpath::{self, Ast};
use crate::questionnaire::{FhirExpr, ItemIdx};

/// Names SDC gives the patient's record and the like (launch context).
const LAUNCH: &[&str] = &["patient", "user", "encounter", "location", "practitioner"];

impl Importer<'_> {
    /// Registers a `variable` or `calculatedExpression` extension.
    pub(super) fn variable(
        &mut self,
        x: &Value,
        at: &str,
        scope: Option<ItemIdx>,
        calculates: Option<ItemIdx>,
    ) {
        let Some(e) = x.get("valueExpression") else {
            self.error(at, "this expression extension has no valueExpression");
            return;
        };
        let name = e.get("name").and_then(Value::as_str).map(str::to_owned);
        let language = e
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("text/fhirpath");
        let text = e.get("expression").and_then(Value::as_str);
        let source = match (language, text) {
            ("text/fhirpath", Some(t)) => Some(t.to_owned()),
            ("application/x-fhir-query", _) => None,
            (_, None) => {
                self.error(at, "this expression has no text");
                return;
            }
            (other, _) => {
                self.error(
                    at,
                    format!("expressions in `{other}` are not supported (only FHIRPath)"),
                );
                return;
            }
        };
        if name.is_none() && calculates.is_none() {
            self.error(at, "a variable needs a name");
            return;
        }
        self.exprs.push(PendingExpr {
            name,
            scope,
            calculates,
            path: at.to_owned(),
            source,
        });
    }

    /// Whether `scope` is `inner` or one of its ancestors (`None` is the Questionnaire).
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn encloses(&self, scope: Option<ItemIdx>, inner: Option<ItemIdx>) -> bool {
        let Some(s) = scope else { return true };
        let mut cur = inner;
        while let Some(c) = cur {
            if c == s {
                return true;
            }
            cur = self.items[c.to_usize()].parent;
        }
        false
    }

    /// The variable `%name` means in `scope`: the innermost definition that encloses it.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn bind(&self, name: &str, scope: Option<ItemIdx>) -> Result<u32, String> {
        let found = self
            .exprs
            .iter()
            .enumerate()
            .filter(|(_, e)| e.name.as_deref() == Some(name) && self.encloses(e.scope, scope))
            .max_by_key(|(_, e)| {
                e.scope
                    .map_or(0, |s| u32::from(self.items[s.to_usize()].depth) + 1)
            });
        match found {
            Some((_, e)) if e.source.is_none() => Err(format!(
                "`%{name}` is a query to a FHIR server for the patient's record, which a kiosk cannot make"
            )),
            Some((i, _)) => u32::try_from(i)
                .map_err(|_| format!("`%{name}` is past the variables triage can hold")),
            None if LAUNCH.contains(&name) => Err(format!(
                "`%{name}` is the {name}'s record given when a form is launched from a health record (launch context), which a kiosk does not have"
            )),
            None => Err(format!("`%{name}` is not defined here")),
        }
    }

    /// The item (or the Questionnaire) that defines a variable `%name` somewhere, when it is
    /// not in scope where it is used.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    fn defined_elsewhere(&self, name: &str) -> Option<String> {
        let e = self
            .exprs
            .iter()
            .find(|e| e.name.as_deref() == Some(name))?;
        Some(match e.scope {
            Some(s) => format!("item `{}`", self.items[s.to_usize()].id),
            None => "the Questionnaire".to_owned(),
        })
    }

    /// Parses and binds a FHIRPath expression used in `scope`; errors name the place and the
    /// reason.
    pub(super) fn compile_fhirpath(
        &mut self,
        text: &str,
        scope: Option<ItemIdx>,
        at: &str,
        what: &str,
    ) -> Option<Ast> {
        let mut ast = match fhirpath::parse(text) {
            Ok(a) => a,
            Err(e) => {
                self.error(at, format!("{what} is not understood: {e}"));
                return None;
            }
        };
        let mut names = Vec::new();
        ast.names(&mut names);
        let mut bound = Vec::new();
        for n in &names {
            match self.bind(n, scope) {
                Ok(i) => bound.push((n.clone(), i)),
                // FHIRPath: a variable not in scope is an error when evaluated, so the
                // expression gives nothing (as the SDC reference renderer, LHC-Forms, does).
                Err(_) if let Some(owner) = self.defined_elsewhere(n) => {
                    self.warn(at, format!("{what} reads `%{n}`, which {owner} defines for its own items only: it has no value here, so this expression never gives one"));
                    ast.out_of_scope(n);
                }
                Err(e) => {
                    self.error(at, format!("{what} cannot be worked out: {e}"));
                    return None;
                }
            }
        }
        ast.resolve(&|n| bound.iter().find(|(b, _)| b == n).map(|(_, i)| *i))
            .ok()?;
        Some(ast)
    }

    /// Every variable and calculation, compiled, in evaluation order.
    #[allow(
        clippy::indexing_slicing,
        reason = "item, derived and wording indices here were made by this loader as it pushed each entry (`ItemIdx::at(items.len())`), so they are in range"
    )]
    pub(super) fn compile_exprs(&mut self) -> Vec<FhirExpr> {
        let mut out = Vec::with_capacity(self.exprs.len());
        for i in 0..self.exprs.len() {
            let (source, scope, path, name, calculates) = {
                let e = &self.exprs[i];
                (
                    e.source.clone(),
                    e.scope,
                    e.path.clone(),
                    e.name.clone(),
                    e.calculates,
                )
            };
            let what = if calculates.is_some() {
                "calculatedExpression"
            } else {
                "the variable"
            };
            let expr = if let Some(s) = source {
                self.compile_fhirpath(&s, scope, &path, what)
                    .unwrap_or(Ast::Empty)
            } else {
                if calculates.is_some() {
                    self.error(
                        &path,
                        "a calculation by a query to a FHIR server cannot be made at a kiosk",
                    );
                }
                Ast::Empty
            };
            out.push(FhirExpr {
                name,
                scope,
                calculates,
                expr,
            });
        }
        out
    }
}
