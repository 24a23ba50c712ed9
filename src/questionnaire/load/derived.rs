//! Conditions and derived values: parsing and compiling them, the order they are evaluated in,
//! and the checks that nothing reads a later answer or itself.

use super::{
    Builder, ChoiceStyle, Derived, DerivedIdx, Expr, HashMap, Item, ItemIdx, ItemKind, NameScope,
    Node, QuestionKind, RawDerived, Ref, S, StrMap, Target, Ty, expr, syntax, text,
};

impl Builder<'_> {
    /// Parses an expression string; reports syntax errors at their place in the file.
    pub(super) fn parse(&mut self, s: &S<String>) -> Option<syntax::Ast> {
        match syntax::parse(s.get_ref()) {
            Ok(a) => Some(a),
            Err(e) => {
                let map = StrMap::new(self.src, s.span(), s.get_ref());
                self.err(
                    map.span(e.span),
                    format!("in condition: {}", e.message),
                    "here",
                    e.help,
                );
                None
            }
        }
    }

    fn report_compile(&mut self, s: &S<String>, errors: Vec<expr::CompileError>) {
        let map = StrMap::new(self.src, s.span(), s.get_ref());
        for e in errors {
            self.err(map.span(e.span), e.message, e.label, e.help);
        }
    }

    pub(super) fn condition(&mut self, s: &S<String>, items: &[Item]) -> Option<Expr> {
        let map = StrMap::new(self.src, s.span(), s.get_ref());
        self.condition_in(s.get_ref(), 0, &map, items)
    }

    /// Declares, orders and compiles derived values. Cycles among them are reported.
    #[allow(
        clippy::indexing_slicing,
        reason = "derived indices run over `0..n`, and every per-derived list here (`state`, `memo`, `deps`, `in_cycle`, `asts`, `out`, `derived_max`) has `n` entries; item indices were made by this loader as it pushed each item"
    )]
    pub(super) fn derived(&mut self, raw: &[S<RawDerived>]) -> Vec<Option<Derived>> {
        // Chains of derived values are followed depth first: bounded, they cannot take the stack.
        let raw = match raw.get(crate::limits::MAX_DERIVED) {
            Some(over) => {
                self.err(
                    over.span().start..over.span().start + 1,
                    format!("more than {} derived values", crate::limits::MAX_DERIVED),
                    "the limit is passed here",
                    Some("the limits are in docs/questionnaire-format.md".into()),
                );
                &raw[..crate::limits::MAX_DERIVED]
            }
            None => raw,
        };
        for (i, d) in raw.iter().enumerate() {
            self.declare(
                &d.get_ref().id,
                Some((Ref::Derived(DerivedIdx::at(i)), Ty::Unknown)),
            );
        }
        let asts: Vec<Option<syntax::Ast>> =
            raw.iter().map(|d| self.parse(&d.get_ref().expr)).collect();
        let index: HashMap<&str, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, d)| (d.get_ref().id.get_ref().as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = asts
            .iter()
            .map(|a| {
                let mut names = Vec::new();
                if let Some(a) = a {
                    ast_names(a, &mut names);
                }
                names
                    .iter()
                    .filter_map(|n| index.get(n.as_str()).copied())
                    .collect()
            })
            .collect();
        // Depth-first order; a node met again while on the stack closes a cycle.
        let mut state = vec![0u8; raw.len()];
        let mut order = Vec::new();
        let mut in_cycle = vec![false; raw.len()];
        for start in 0..raw.len() {
            let mut stack = Vec::new();
            self.visit_derived(
                start,
                &deps,
                &mut state,
                &mut order,
                &mut stack,
                &mut in_cycle,
                raw,
            );
        }
        let mut out: Vec<Option<Derived>> = (0..raw.len()).map(|_| None).collect();
        let items = self.items.clone();
        for i in order {
            let d = raw[i].get_ref();
            if in_cycle[i] {
                continue;
            }
            let Some(ast) = &asts[i] else { continue };
            let scope = NameScope {
                names: &self.names,
                items: &items,
            };
            match expr::compile(ast, &scope) {
                Ok((e, ty)) => {
                    if matches!(ty, Ty::Set(_) | Ty::Text | Ty::Info) {
                        let span = StrMap::new(self.src, d.expr.span(), d.expr.get_ref())
                            .span(ast.span.clone());
                        self.err(
                            span,
                            format!("a derived value cannot be {}", ty.describe()),
                            "use this directly instead",
                            Some(
                                "derived values are true/false, numbers, dates or single choices"
                                    .into(),
                            ),
                        );
                        continue;
                    }
                    self.names.insert(
                        d.id.get_ref().clone(),
                        (Ref::Derived(DerivedIdx::at(i)), ty),
                    );
                    out[i] = Some(Derived {
                        id: d.id.get_ref().clone(),
                        expr: e,
                        ty,
                        label: d.label.as_deref().map(text::clean),
                        trigger: d.trigger.unwrap_or(true),
                    });
                }
                Err(errs) => self.report_compile(&d.expr, errs),
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(
        clippy::indexing_slicing,
        reason = "derived indices run over `0..n`, and every per-derived list here (`state`, `memo`, `deps`, `in_cycle`, `asts`, `out`, `derived_max`) has `n` entries; item indices were made by this loader as it pushed each item"
    )]
    fn visit_derived(
        &mut self,
        i: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        stack: &mut Vec<usize>,
        in_cycle: &mut [bool],
        raw: &[S<RawDerived>],
    ) {
        match state[i] {
            2 => return,
            1 => {
                let from = stack.iter().position(|&s| s == i).unwrap_or(0);
                let cycle: Vec<&str> = stack[from..]
                    .iter()
                    .chain(std::iter::once(&i))
                    .map(|&s| raw[s].get_ref().id.get_ref().as_str())
                    .collect();
                for &s in &stack[from..] {
                    in_cycle[s] = true;
                }
                let d = raw[i].get_ref();
                self.err(
                    d.expr.span(),
                    format!(
                        "derived values depend on each other in a circle: {}",
                        cycle.join(" → ")
                    ),
                    "part of a cycle",
                    Some("a derived value may only use values that do not, in turn, use it".into()),
                );
                return;
            }
            _ => {}
        }
        state[i] = 1;
        stack.push(i);
        for &d in &deps[i] {
            self.visit_derived(d, deps, state, order, stack, in_cycle, raw);
        }
        stack.pop();
        state[i] = 2;
        order.push(i);
    }

    /// For each derived value: the last question it reads (directly or through other derived
    /// values), or `None` if it reads no question.
    #[allow(
        clippy::option_option,
        reason = "the memo's outer `None` is \"not worked out yet\", `Some(None)` \"reads no question\""
    )]
    pub(super) fn derived_positions(derived: &[Option<Derived>]) -> Vec<Option<ItemIdx>> {
        #[allow(
            clippy::indexing_slicing,
            reason = "derived indices run over `0..n`, and every per-derived list here (`state`, `memo`, `deps`, `in_cycle`, `asts`, `out`, `derived_max`) has `n` entries; item indices were made by this loader as it pushed each item"
        )]
        fn go(
            i: usize,
            derived: &[Option<Derived>],
            memo: &mut Vec<Option<Option<ItemIdx>>>,
            depth: usize,
        ) -> Option<ItemIdx> {
            if let Some(m) = memo[i] {
                return m;
            }
            let mut refs = Vec::new();
            if let Some(d) = &derived[i] {
                d.expr.refs(&mut refs);
            }
            let mut best: Option<ItemIdx> = None;
            for r in refs {
                let p = match r {
                    Ref::Question(q) => Some(q),
                    Ref::Derived(d) if depth < derived.len() => {
                        go(d.to_usize(), derived, memo, depth + 1)
                    }
                    _ => None,
                };
                best = best.max(p);
            }
            memo[i] = Some(best);
            best
        }
        let mut memo: Vec<Option<Option<ItemIdx>>> = vec![None; derived.len()];
        (0..derived.len())
            .map(|i| go(i, derived, &mut memo, 0))
            .collect()
    }

    /// A condition may only read answers the patient has already given when it is evaluated.
    #[allow(
        clippy::indexing_slicing,
        reason = "derived indices run over `0..n`, and every per-derived list here (`state`, `memo`, `deps`, `in_cycle`, `asts`, `out`, `derived_max`) has `n` entries; item indices were made by this loader as it pushed each item"
    )]
    pub(super) fn check_order(
        &mut self,
        pending: &[(Target, S<String>)],
        derived: &[Option<Derived>],
        derived_max: &[Option<ItemIdx>],
    ) {
        for (target, src) in pending {
            let (idx, own_ok, what) = match target {
                Target::ShowIf(i) => (*i, false, "is shown only when"),
                Target::ValidIf(i, _) => (*i, true, "is checked with"),
            };
            let item = &self.items[idx.to_usize()];
            let Some(e) = (match target {
                Target::ShowIf(_) => item.show_if.as_ref(),
                Target::ValidIf(..) => item.valid_if.as_ref().map(|(e, _)| e),
            }) else {
                continue;
            };
            let mut refs = Vec::new();
            e.refs(&mut refs);
            let subtree = idx..item.end;
            let id = item.id.clone();
            let mut problems = Vec::new();
            for r in refs {
                let (pos, via) = match r {
                    Ref::Question(q) => (Some(q), None),
                    Ref::Derived(d) => (
                        derived_max[d.to_usize()],
                        derived[d.to_usize()].as_ref().map(|d| d.id.clone()),
                    ),
                    Ref::VisitDate => (None, None),
                };
                let Some(pos) = pos else { continue };
                if own_ok && pos == idx {
                    continue;
                }
                let later = &self.items[pos.to_usize()].id;
                if subtree.contains(&pos) {
                    let msg = match &via {
                        Some(v) if *later == id => format!(
                            "cycle: `{id}` {what} `{v}`, but `{v}` depends on the answer to `{id}` itself"
                        ),
                        Some(v) => format!(
                            "cycle: `{id}` {what} `{v}`, but `{v}` depends on `{later}`, which is inside `{id}` itself"
                        ),
                        None => format!("cycle: `{id}` {what} its own answer (`{later}`)"),
                    };
                    problems.push((msg, "depends on itself".to_owned()));
                } else if pos > idx {
                    let msg = match &via {
                        Some(v) => format!(
                            "`{id}` {what} `{v}`, which uses `{later}`, a question asked later"
                        ),
                        None => format!("`{id}` {what} `{later}`, a question asked later"),
                    };
                    problems.push((msg, "not answered yet at this point".to_owned()));
                }
            }
            for (msg, label) in problems {
                self.err(src.span(), msg, label, Some("a condition can only use answers given before it; move the question earlier, or the condition later".into()));
            }
        }
    }

    /// Evaluation order: each item after its parent and what its condition reads; each derived
    /// value after what it reads.
    #[allow(
        clippy::indexing_slicing,
        reason = "derived indices run over `0..n`, and every per-derived list here (`state`, `memo`, `deps`, `in_cycle`, `asts`, `out`, `derived_max`) has `n` entries; item indices were made by this loader as it pushed each item"
    )]
    pub(super) fn order(&mut self, derived: &[Option<Derived>]) -> Option<Vec<Node>> {
        let n_items = self.items.len();
        let deps = |node: Node| -> Vec<Node> {
            let mut refs = Vec::new();
            let mut out = Vec::new();
            match node {
                Node::Item(i) => {
                    let it = &self.items[i.to_usize()];
                    if let Some(p) = it.parent {
                        out.push(Node::Item(p));
                    }
                    if let Some(e) = &it.show_if {
                        e.refs(&mut refs);
                    }
                }
                Node::Derived(d) => {
                    if let Some(d) = &derived[d.to_usize()] {
                        d.expr.refs(&mut refs);
                    }
                }
            }
            out.extend(refs.into_iter().filter_map(|r| match r {
                Ref::Question(q) => Some(Node::Item(q)),
                Ref::Derived(d) => Some(Node::Derived(d)),
                Ref::VisitDate => None,
            }));
            out
        };
        let all: Vec<Node> = ItemIdx::all(n_items)
            .map(Node::Item)
            .chain(DerivedIdx::all(derived.len()).map(Node::Derived))
            .collect();
        topo_order(&all, deps)
    }
}

/// Topological order of `nodes`, or `None` if there is a cycle (already reported elsewhere).
pub(crate) fn topo_order(nodes: &[Node], deps: impl Fn(Node) -> Vec<Node>) -> Option<Vec<Node>> {
    let (order, loops) = topo_order_lenient(nodes, deps);
    loops.is_empty().then_some(order)
}

/// As [`topo_order`], but a dependency that would close a loop is skipped (FHIR allows
/// conditions that refer to each other). Returns the order and the skipped dependencies
/// `(from, to)`.
pub(crate) fn topo_order_lenient(
    nodes: &[Node],
    deps: impl Fn(Node) -> Vec<Node>,
) -> (Vec<Node>, Vec<(Node, Node)>) {
    let mut loops = Vec::new();
    let mut state: HashMap<Node, u8> = HashMap::with_capacity(nodes.len());
    let mut order = Vec::with_capacity(nodes.len());
    for &start in nodes {
        if state.get(&start) == Some(&2) {
            continue;
        }
        // Iterative DFS so deep chains cannot overflow the stack.
        let mut stack: Vec<(Node, Vec<Node>)> = vec![(start, deps(start))];
        state.insert(start, 1);
        while let Some((node, pending)) = stack.last_mut() {
            if let Some(next) = pending.pop() {
                match state.get(&next) {
                    Some(2) => {}
                    Some(_) => loops.push((*node, next)),
                    None => {
                        state.insert(next, 1);
                        let d = deps(next);
                        stack.push((next, d));
                    }
                }
            } else {
                let node = *node;
                state.insert(node, 2);
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, loops)
}

fn ast_names(a: &syntax::Ast, out: &mut Vec<String>) {
    use syntax::AstKind::{And, Call, Cmp, Has, In, Lit, Name, Not, Or};
    match &a.kind {
        Lit(_) => {}
        Name(n) => out.push(n.clone()),
        Call { args, .. } => args.iter().for_each(|x| ast_names(x, out)),
        Not(x) => ast_names(x, out),
        And(xs) | Or(xs) => xs.iter().for_each(|x| ast_names(x, out)),
        Cmp { lhs, rhs, .. } => {
            ast_names(lhs, out);
            ast_names(rhs, out);
        }
        Has { subject, .. } | In { subject, .. } => ast_names(subject, out),
    }
}

/// Compiles a condition (or, with `boolean = false`, any value) in the native language against
/// the given names and items; for FHIR files that carry triage's own conditions in extensions.
pub(crate) fn compile_text(
    text: &str,
    names: &HashMap<String, (Ref, Ty)>,
    items: &[Item],
    boolean: bool,
) -> Result<(Expr, Ty), String> {
    let ast = syntax::parse(text).map_err(|e| e.message)?;
    let scope = NameScope { names, items };
    let first = |errs: Vec<expr::CompileError>| {
        errs.into_iter()
            .next()
            .map(|e| e.message)
            .unwrap_or_default()
    };
    if boolean {
        expr::compile_bool(&ast, &scope)
            .map(|e| (e, Ty::Bool))
            .map_err(first)
    } else {
        expr::compile(&ast, &scope).map_err(first)
    }
}

/// The type a question's answers have in conditions.
pub(crate) fn item_ty(idx: ItemIdx, item: &Item) -> Ty {
    match &item.kind {
        ItemKind::Question(QuestionKind::Choice {
            style: ChoiceStyle::Multi,
            ..
        }) => Ty::Set(idx),
        ItemKind::Question(QuestionKind::Choice { .. }) => Ty::Choice(idx),
        ItemKind::Question(QuestionKind::Number { .. }) => Ty::Num,
        ItemKind::Question(QuestionKind::Date { .. }) => Ty::Date,
        ItemKind::Question(QuestionKind::Text { .. }) => Ty::Text,
        ItemKind::Group { .. } | ItemKind::Info => Ty::Info,
    }
}
