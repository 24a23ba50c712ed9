//! FHIRPath evaluation tests: expressions written the way real questionnaires write them,
//! against a small QuestionnaireResponse. Expected values follow the FHIRPath specification
//! (N1 §5-6: empty propagation, three-valued logic, singleton evaluation).

use serde_json::{Value as Json, json};

use super::*;

struct TestCtx<'a> {
    resource: &'a Json,
    questionnaire: &'a Json,
    vars: Vec<Coll<'a>>,
}

impl<'a> Ctx<'a> for TestCtx<'a> {
    fn resource(&self) -> Option<Val<'a>> {
        Some(node(self.resource))
    }
    fn questionnaire(&self) -> Option<Val<'a>> {
        Some(node(self.questionnaire))
    }
    fn var(&self, index: u32) -> Coll<'a> {
        self.vars.get(index as usize).cloned().unwrap_or_default()
    }
    fn today(&self) -> jiff::civil::Date {
        jiff::civil::Date::constant(2025, 6, 2)
    }
    fn weight(&self, link: Option<&str>, coding: &Val<'a>) -> Option<f64> {
        let Val::Node { v, .. } = coding else {
            return None;
        };
        let code = v.get("code")?.as_str()?;
        match (link?, code) {
            ("q1", "a") => Some(1.0),
            ("q1", "b") => Some(2.0),
            ("q2", "b") => Some(3.0),
            _ => None,
        }
    }
}

fn node(v: &Json) -> Val<'_> {
    Val::Node {
        v,
        link: None,
        ty: None,
    }
}

fn response() -> Json {
    json!({
        "resourceType": "QuestionnaireResponse",
        "item": [
            {"linkId": "q1", "answer": [{"valueCoding": {"code": "b", "display": "B"}}]},
            {"linkId": "g", "item": [
                {"linkId": "q2", "answer": [{"valueCoding": {"code": "b"}}]},
                {"linkId": "w", "answer": [{"valueQuantity": {"value": 154, "code": "[lb_av]"}}]},
                {"linkId": "h", "answer": [{"valueDecimal": 70}]},
                {"linkId": "dob", "answer": [{"valueDate": "1991-03-15"}]},
                {"linkId": "empty"}
            ]}
        ]
    })
}

fn run(expr: &str) -> Result<Vec<String>, String> {
    let r = response();
    let q = json!({"resourceType": "Questionnaire", "item": [{"linkId": "q1", "answerOption": [
        {"valueCoding": {"code": "a"}, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 1}]}
    ]}]});
    let ctx = TestCtx {
        resource: &r,
        questionnaire: &q,
        vars: vec![vec![Val::Int(5)]],
    };
    let mut ast = parse(expr)?;
    ast.resolve(&|n| (n == "five").then_some(0))?;
    let root = [node(&r)];
    let out = evaluate(&ast, &ctx, &root)?;
    Ok(out
        .iter()
        .map(|v| v.to_text().unwrap_or_else(|| "<node>".into()))
        .collect())
}

fn one(expr: &str) -> String {
    match run(expr) {
        Ok(v) => v.join(","),
        Err(e) => format!("error: {e}"),
    }
}

/// Answer paths as SDC forms write them: `item.where(linkId=...)`, `repeat(item)`, `answers()`.
#[test]
fn answer_navigation() {
    assert_eq!(
        one("%resource.item.where(linkId='q1').answer.value.code"),
        "b"
    );
    assert_eq!(
        one("item.where(linkId='q1').answer.valueCoding.display"),
        "B"
    );
    assert_eq!(
        one("%resource.repeat(item).where(linkId='h').answer.value"),
        "70"
    );
    assert_eq!(
        one("%resource.repeat(item).where(linkId='dob').answer.value + 1 year"),
        "1992-03-15"
    );
    assert_eq!(one("%resource.answers().count()"), "5");
    assert_eq!(one("QuestionnaireResponse.item.count()"), "2");
    assert_eq!(
        one("%resource.item[1].item.where(linkId='empty').answer.value.exists()"),
        "false"
    );
}

/// SDC scores: `weight()` / `ordinal()` of chosen codings, summed; missing scores drop out.
#[test]
fn scores() {
    assert_eq!(one("%resource.repeat(item).answer.weight().sum()"), "5");
    assert_eq!(one("%resource.answers().value.ordinal().sum()"), "5");
    assert_eq!(
        one(
            "%questionnaire.item.answerOption.extension('http://hl7.org/fhir/StructureDefinition/itemWeight').value"
        ),
        "1"
    );
}

/// Empty operands give empty results, `and`/`or` are three-valued, and `.not()` of nothing is
/// nothing (not true).
#[test]
fn empty_and_logic() {
    assert_eq!(one("{}.not()"), "");
    assert_eq!(one("{} = 1"), "");
    assert_eq!(one("{} and false"), "false");
    assert_eq!(one("{} or true"), "true");
    assert_eq!(one("{} and true"), "");
    assert_eq!(one("(1 | 2 | 2).count()"), "2");
    assert_eq!(one("{} & 'x'"), "x");
    assert_eq!(one("iif({}, 1, 2)"), "2");
    assert_eq!(one("iif(true, 1)"), "1");
    assert_eq!(one("iif(false, 1)"), "");
}

/// Arithmetic, maths and text functions used by risk scores (Framingham, CVD, BMI).
#[test]
fn arithmetic() {
    assert_eq!(one("(%five * 2 + 1) div 2"), "5");
    assert_eq!(one("7 / 2"), "3.5");
    assert_eq!(one("7 mod 3"), "1");
    assert_eq!(one("(2.675).round(2)"), "2.68");
    assert_eq!(one("(0.98767).power(2).round(4)"), "0.9755");
    assert_eq!(one("(1).exp().ln()"), "1");
    assert_eq!(one("(70 / (1.75).power(2)).round(1)"), "22.9");
    assert_eq!(one("'2025-06-02'.substring(5,2) & 'x'"), "06x");
    assert_eq!(one("'2025'.toInteger() - 1991"), "34");
    assert_eq!(one("today().toString()"), "2025-06-02");
    assert_eq!(one("(0.1234 * 100).round(2).toString() & '%'"), "12.34%");
}

/// Quantities convert between units of one kind (UCUM factors) and keep their unit.
#[test]
fn quantities() {
    assert_eq!(
        one(
            "%resource.repeat(item).where(linkId='w').answer.value.toQuantity('kg').value.round(2)"
        ),
        "69.85"
    );
    assert_eq!(
        one("%resource.repeat(item).where(linkId='w').answer.value > 60 'kg'"),
        "true"
    );
    assert_eq!(one("5 'kg' = 5000 'g'"), "true");
}

/// Bad expressions fail with a reason: unknown names, several values where one is needed.
#[test]
fn errors() {
    assert!(run("%patient.name").unwrap_err().contains("%patient"));
    assert!(run("(1 | 2) + 1").is_err());
    assert!(run("'a'.memberOf('x')").unwrap_err().contains("memberOf"));
    assert!(run("1 +").is_err());
}
