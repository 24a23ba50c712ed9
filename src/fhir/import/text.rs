//! Item and Questionnaire text as a patient reads it: `rendering-xhtml` reduced to plain text
//! when it is the only text given, `rendering-markdown` and markdown `description`s rendered
//! as plain text (no `**`, no `[links](...)`), then cleaned by the one sanitizer.

use serde_json::{Map, Value};

use super::ext;

/// The plain text of an element `key` (`text`, `prefix`): the plain string, else its
/// `rendering-markdown` or `rendering-xhtml` alternative from `_key`, as plain text.
pub fn element(obj: &Map<String, Value>, key: &str) -> Option<String> {
    let alt = obj
        .get(&format!("_{key}"))
        .and_then(Value::as_object)
        .map(|m| {
            (
                ext::text(m, ext::RENDERING_MARKDOWN),
                ext::text(m, ext::RENDERING_XHTML),
            )
        });
    match (obj.get(key).and_then(Value::as_str), alt) {
        (_, Some((Some(md), _))) => Some(markdown(md)),
        (Some(t), _) => Some(t.to_owned()),
        (None, Some((None, Some(x)))) => Some(xhtml(x)),
        _ => None,
    }
}

/// XHTML as plain text: tags dropped, block ends and `<br>` as line breaks, entities decoded.
pub fn xhtml(x: &str) -> String {
    let mut out = String::new();
    let mut rest = x;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4"
        ) && (tag.starts_with('/') || name == "br")
            && !out.ends_with('\n')
        {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let decoded = entities(&out);
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Markdown as plain text: emphasis marks and heading hashes dropped, `[text](url)` as text,
/// list bullets kept as "- ".
pub fn markdown(md: &str) -> String {
    let mut out = Vec::new();
    for line in md.lines() {
        let l = line.trim_start_matches('#').trim_start();
        let l = l
            .strip_prefix("* ")
            .map_or(l.to_owned(), |r| format!("- {r}"));
        let mut s = String::new();
        let mut rest = l.as_str();
        while let Some(open) = rest.find('[') {
            let close = rest[open..].find("](").map(|c| open + c);
            let end = close.and_then(|c| rest[c..].find(')').map(|e| c + e));
            match (close, end) {
                (Some(c), Some(e)) => {
                    s.push_str(&rest[..open]);
                    s.push_str(&rest[open + 1..c]);
                    rest = &rest[e + 1..];
                }
                _ => break,
            }
        }
        s.push_str(rest);
        out.push(s.replace("**", "").replace("__", "").replace('`', ""));
    }
    out.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XHTML keeps its words and line breaks, loses its tags; markdown loses its marks.
    #[test]
    fn plain_text() {
        assert_eq!(
            xhtml("<div xmlns=\"x\"><b>Bold</b> &amp; <i>italic</i><br/>next</div>"),
            "Bold & italic\nnext"
        );
        assert_eq!(
            markdown("# Title\n**Read** the [guide](http://x)"),
            "Title\nRead the guide"
        );
    }
}
