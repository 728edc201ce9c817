//! Signing in for people: a browser opens a session with an API key once and then
//! carries a cookie. The session acts with its key's role (the API's roles, checked the
//! same way), ends after a shift's length, when signed out, or when its key is revoked.
//! Only the cookie's hash is stored.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use freshroute_store::{Session, Sessions, Storage};
use serde::Deserialize;

use crate::ApiError;
use crate::auth::{Caller, hash, new_secret};
use crate::pages::{self, PLAIN_STYLE, Page, document, esc, query_escape, see_other};
use crate::state::AppState;

/// The cookie that carries a session.
pub(crate) const COOKIE: &str = "freshroute_session";

/// How long a session lasts, milliseconds: a working day's shift.
pub(crate) const SESSION_MS: i64 = 12 * 3600 * 1000;

/// Where a sign-in form sends the browser, and why it was asked to sign in.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct SignInAsk {
    /// The page to open once signed in (a path on this host).
    next: Option<String>,
    /// `ended`: the session ended (expired, signed out elsewhere, or its key revoked).
    why: Option<String>,
}

/// A sign-in form as the browser posts it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SignIn {
    /// The API key (`freshroute keys create` makes one).
    key: String,
    /// The page to open once signed in.
    next: Option<String>,
}

/// The sign-in page.
#[utoipa::path(get, path = "/login", tag = "pages", params(SignInAsk),
    responses((status = 200, description = "The sign-in page", content_type = "text/html", body = String)))]
pub(crate) async fn page(Query(ask): Query<SignInAsk>) -> Response {
    let note = match ask.why.as_deref() {
        Some("ended") => "Your session ended. Sign in again to go on.",
        _ => "",
    };
    form_page(StatusCode::OK, &local_path(ask.next.as_deref()), note)
}

/// Opens a session with an API key and sends the browser on, with its cookie.
#[utoipa::path(post, path = "/login", tag = "pages",
    request_body(content = SignIn, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: on to the page asked for, with the session cookie"),
        (status = 400, description = "The form did not arrive whole: the form again, saying so", content_type = "text/html", body = String),
        (status = 401, description = "The key is not known or was revoked: the form again, saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    form: Result<Form<SignIn>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return form_page(
            StatusCode::BAD_REQUEST,
            "/console",
            "The form did not arrive whole. Enter your API key and sign in again.",
        );
    };
    let next = local_path(f.next.as_deref());
    let key = match state.store.api_key(&hash(f.key.trim())).await {
        Ok(Some(k)) if k.revoked_ms.is_none() => k,
        Ok(Some(_)) => {
            return form_page(
                StatusCode::UNAUTHORIZED,
                &next,
                "This key was revoked. Ask an admin for a new one.",
            );
        }
        Ok(None) => {
            return form_page(
                StatusCode::UNAUTHORIZED,
                &next,
                "This key is not known. Check that it was copied whole (it starts with fr_key_).",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let token = new_secret("fr_ses_");
    let now = state.clock.now_ms();
    let session = Session {
        token_hash: hash(&token),
        key_hash: key.key_hash,
        created_ms: now,
        expires_ms: now + SESSION_MS,
    };
    if let Err(e) = state.store.insert_session(&session).await {
        return ApiError::from(e).into_response();
    }
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_MS / 1000,
        secure(&state)
    );
    see_other(&next, &cookie)
}

/// Ends the browser's session and asks it to forget the cookie.
#[utoipa::path(post, path = "/logout", tag = "pages",
    responses((status = 303, description = "Signed out: on to the sign-in page")))]
pub(crate) async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers)
        && let Err(e) = state.store.delete_session(&hash(token)).await
    {
        return ApiError::from(e).into_response();
    }
    let gone = format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(&state)
    );
    see_other("/login", &gone)
}

/// The caller a session cookie speaks for, if the request carries one: `None` without a
/// cookie; 401 `session_ended` when it expired, was signed out, or its key was revoked.
pub(crate) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Option<Result<Caller, ApiError>> {
    let token = cookie(headers)?;
    Some(session_caller(state, token).await)
}

async fn session_caller(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let ended = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_ended",
            "this browser's session ended; sign in again at /login",
        )
    };
    let session = state.store.session(&hash(token)).await?.ok_or_else(ended)?;
    if session.expires_ms <= state.clock.now_ms() {
        return Err(ended());
    }
    let key = state
        .store
        .api_key(&session.key_hash)
        .await?
        .ok_or_else(ended)?;
    if key.revoked_ms.is_some() {
        return Err(ended());
    }
    Ok(Caller::of_key(key))
}

/// The session cookie's value, if the request has one.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// `Secure` on the cookie when people reach the service over HTTPS.
fn secure(state: &AppState) -> &'static str {
    if state.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// A path on this host to go on to: anything else (another host, a scheme) is the
/// console's.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/console".to_string(),
    }
}

/// The sign-in form, with `note` (plain text) above it.
fn form_page(status: StatusCode, next: &str, note: &str) -> Response {
    let note = if note.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" role=\"alert\">{}</p>\n", esc(note))
    };
    let body = format!(
        "<h1>Sign in to freshroute</h1>\n{note}<form method=\"post\" action=\"/login\">\n\
<label for=\"key\">Your API key</label>\n\
<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required autofocus>\n\
<input type=\"hidden\" name=\"next\" value=\"{}\">\n<button type=\"submit\">Sign in</button>\n</form>\n\
<p>An admin makes keys with <code>freshroute keys create</code>. The session lasts {} hours.</p>\n",
        esc(next),
        SESSION_MS / 3_600_000
    );
    document(
        status,
        &Page {
            title: "Sign in · freshroute",
            style: PLAIN_STYLE,
            script: None,
            main_attrs: "",
            body: &body,
        },
    )
}

/// Who is signed in, as the pages show it.
pub(crate) fn who(caller: &Caller) -> String {
    if caller.name.is_empty() {
        format!("{} key {}", caller.role, caller.key_id)
    } else {
        format!("{} ({})", caller.name, caller.role)
    }
}

/// The caller, if it has one of `roles` (a page's check, whose refusal [`refusal`]
/// turns into a page).
pub(crate) fn with_role(
    caller: Result<Caller, ApiError>,
    roles: &[freshroute_store::Role],
) -> Result<Caller, ApiError> {
    let caller = caller?;
    caller.require(roles)?;
    Ok(caller)
}

/// A screen for people: the roles it serves and its page, where a person refused on
/// one of its forms is sent back to after signing in.
pub(crate) trait Screen: Send + Sync + 'static {
    /// Who may use it.
    const ROLES: &'static [freshroute_store::Role];
    /// Its page.
    const PAGE: &'static str;
}

/// The person a screen serves: a caller with one of its roles. Anyone else is answered
/// by [`refusal`], to sign in and come back (to the page asked, or, from a form, to the
/// screen's page) or with a page naming the roles.
pub(crate) struct Person<S> {
    /// Who it is.
    pub(crate) caller: Caller,
    screen: std::marker::PhantomData<S>,
}

impl<S: Screen> FromRequestParts<AppState> for Person<S> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await;
        let here = match (&parts.method, parts.uri.path_and_query()) {
            (&axum::http::Method::GET, Some(p)) => p.as_str().to_string(),
            _ => S::PAGE.to_string(),
        };
        with_role(caller, S::ROLES)
            .map(|caller| Person {
                caller,
                screen: std::marker::PhantomData,
            })
            .map_err(|e| refusal(e, &here))
    }
}

/// What a page answers a caller it cannot serve: to sign in (no session, or it ended),
/// or a page naming the roles the screen needs.
pub(crate) fn refusal(e: ApiError, here: &str) -> Response {
    match e.status {
        StatusCode::UNAUTHORIZED => {
            let why = if e.code == "session_ended" {
                "&why=ended"
            } else {
                ""
            };
            let to = format!("/login?next={}{why}", query_escape(here));
            see_other(&to, "")
        }
        status => pages::problem(
            status,
            "This screen is not for your key",
            &e.message,
            "<form method=\"post\" action=\"/logout\" class=\"who\"><button type=\"submit\">Sign out</button> and sign in with another key.</form>\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_a_path_on_this_host_is_gone_on_to() {
        assert_eq!(local_path(Some("/console?store=s1")), "/console?store=s1");
        assert_eq!(local_path(Some("//evil.example/")), "/console");
        assert_eq!(local_path(Some("https://evil.example/")), "/console");
        assert_eq!(local_path(Some("/\\evil.example")), "/console");
        assert_eq!(local_path(None), "/console");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; freshroute_session=fr_ses_ab ; x=1"),
        );
        assert_eq!(cookie(&h), Some("fr_ses_ab"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("freshroute_session="),
        );
        assert_eq!(cookie(&h), None);
    }

    #[test]
    fn a_page_asks_for_sign_in_with_its_own_path_to_come_back_to() {
        let e = ApiError::new(StatusCode::UNAUTHORIZED, "session_ended", "ended");
        let res = refusal(e, "/console?store=s 1");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()[header::LOCATION],
            "/login?next=/console%3Fstore%3Ds%201&why=ended"
        );
    }
}
