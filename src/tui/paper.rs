//! The pages of the paper form (reception typing in a patient's paper questionnaire): which
//! items each page holds. Pure layout over the questionnaire, read by the form screen and by the
//! model when it shows a step as a form field.

use crate::questionnaire::{ItemIdx, ItemKind, Questionnaire};

/// The pages of the paper form, each named by its first item: every section (top-level group) is
/// one, and the questions outside any section, between sections (a flat FHIR questionnaire is
/// all of them), make one page together.
pub fn pages(q: &Questionnaire) -> Vec<ItemIdx> {
    let mut out = Vec::new();
    let mut loose = false;
    for (i, it) in q
        .items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.parent.is_none())
    {
        let group = matches!(it.kind, ItemKind::Group { .. });
        if group || !loose {
            out.push(ItemIdx::at(i));
        }
        loose = !group;
    }
    out
}

/// The page `item` is on (see [`pages`]).
pub fn page_of(q: &Questionnaire, item: ItemIdx) -> ItemIdx {
    let top = q.section_of(item);
    pages(q)
        .into_iter()
        .take_while(|&p| p <= top)
        .last()
        .unwrap_or(top)
}

/// Where the page starting at `page` ends (exclusive).
pub fn page_end(q: &Questionnaire, page: ItemIdx) -> ItemIdx {
    let it = q.item(page);
    if matches!(it.kind, ItemKind::Group { .. }) {
        return it.end;
    }
    page.next()
        .up_to(ItemIdx::at(q.items.len()))
        .find(|&i| {
            let it = q.item(i);
            it.parent.is_none() && matches!(it.kind, ItemKind::Group { .. })
        })
        .unwrap_or(ItemIdx::at(q.items.len()))
}
