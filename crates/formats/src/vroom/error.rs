//! What is wrong with a VROOM problem: one shape, a stable code, the JSON path of the
//! field and how to fix it, and what kind of failure it is (the service maps kinds to
//! HTTP statuses).

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VroomErrorKind {
    /// The problem is malformed or asks for what the solver does not plan by.
    Invalid,
    /// Well formed, but cannot be planned on these roads (far from any, unreachable).
    Unprocessable,
    /// The road engine failed.
    Internal,
}

/// A refused VROOM problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct VroomError {
    /// What kind of failure.
    pub kind: VroomErrorKind,
    /// Stable code, such as `unsupported_field` or `location_index_required`.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The JSON path of the field at fault, where there is one.
    pub field: Option<String>,
}

impl VroomError {
    fn new(kind: VroomErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A malformed problem.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(VroomErrorKind::Invalid, code, message)
    }

    /// A problem these roads cannot plan.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(VroomErrorKind::Unprocessable, code, message)
    }

    /// A failure of the road engine.
    pub fn internal(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(VroomErrorKind::Internal, code, message)
    }

    /// At the field with this JSON path.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// A malformed problem, at `field`.
pub(crate) fn bad(
    field: impl Into<String>,
    code: &'static str,
    message: impl Into<String>,
) -> VroomError {
    VroomError::invalid(code, message).at(field)
}
