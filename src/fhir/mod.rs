//! FHIR R4: import Questionnaires (JSON) so a clinic can run one it already has, export triage's
//! questionnaires as FHIR Questionnaires, and export answers as QuestionnaireResponses.

pub mod check_response;
pub mod export;
pub mod import;
pub mod response;
pub mod valuesets;

pub use import::{load_fhir, load_fhir_with};
pub use response::{questionnaire_response, try_questionnaire_response};
