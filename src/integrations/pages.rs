//! The account area's "API tokens" page, and the pieces the admin's
//! integrations page shares with it: the token form, the secret shown once,
//! the table of tokens with their revoke buttons.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{CreateMyToken, RevokeMyToken, get_my_tokens};
use super::rules::{EXPIRY_DAYS, SCOPES};
use super::{CreatedToken, TokenKind, TokenSummary};
use crate::account::Role;
use crate::account::components::{AccountNav, AuthContext};
use crate::error::AppError;
use crate::ui::{CardForm, Field, FormStatus, Time, action_error, field_error, loaded};

/// The fields of a new token: its name, scopes (those `kind` and `role`
/// allow) and expiry. A client token also names its integration.
#[component]
pub fn TokenFields(kind: TokenKind, role: Role, error: Signal<Option<AppError>>) -> impl IntoView {
    let prefix = match kind {
        TokenKind::User => "token",
        TokenKind::Client => "client",
    };
    let scopes = SCOPES
        .into_iter()
        .filter(|scope| scope.allowed(kind, role))
        .map(|scope| {
            let id = format!("{prefix}-scope-{}", scope.as_str().replace(':', "-"));
            view! {
                <div class="choice">
                    <input type="checkbox" id=id.clone() name=format!("scopes[{}]", scope.as_str()) value="on" />
                    <label for=id><code>{scope.as_str()}</code> " — " {scope.describe()}</label>
                </div>
            }
        })
        .collect_view();
    let expiry_id = format!("{prefix}-expires");
    view! {
        {(kind == TokenKind::Client).then(|| view! {
            <Field id="client-integration" name="integration" label="Integration" required=true
                hint="What uses it, e.g. \"Warehouse stock sync\"." error=field_error(error, "integration") />
        })}
        <Field id=format!("{prefix}-name") name="name" label="Token name" required=true
            hint="So you know later what uses it, e.g. \"my script\"." error=field_error(error, "name") />
        <fieldset class="scopes">
            <legend>"Scopes"</legend>
            {scopes}
            <p class="field-error">{move || field_error(error, "scopes").get()}</p>
        </fieldset>
        <div class="field">
            <label for=expiry_id.clone()>"Expires"</label>
            <select id=expiry_id name="expires">
                {EXPIRY_DAYS.into_iter().map(|days| match days {
                    Some(days) => view! { <option value=days.to_string() selected=days == 90>{format!("In {days} days")}</option> }.into_any(),
                    None => view! { <option value="never">"Never"</option> }.into_any(),
                }).collect_view()}
            </select>
            <p class="field-error">{move || field_error(error, "expires").get()}</p>
        </div>
    }
}

/// A token just made: its secret, which is shown this once.
#[component]
pub fn NewSecret(created: CreatedToken) -> impl IntoView {
    view! {
        <div class="panel new-secret" role="status">
            <h2>{format!("Your new token \u{201c}{}\u{201d}", created.token.name)}</h2>
            <p><strong>"Copy it now: it is shown only this once."</strong> " Trove keeps only a fingerprint of it."</p>
            <label for="new-secret">"Token"</label>
            <input id="new-secret" class="secret" readonly=true value=created.secret />
            <p class="field-hint">"Send it as " <code>"Authorization: Bearer <token>"</code> " to " <code>"/api/v1/…"</code> "."</p>
        </div>
    }
}

/// Tokens as a table, each with a revoke button posting to `revoke` (a
/// server function taking the token's `id`).
#[component]
pub fn TokenTable<S>(tokens: Vec<TokenSummary>, revoke: ServerAction<S>, show_owner: bool) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Error = AppError> + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    if tokens.is_empty() {
        return view! { <p>"No tokens yet."</p> }.into_any();
    }
    view! {
        <table class="admin-table tokens">
            <caption class="visually-hidden">"API tokens"</caption>
            <thead><tr>
                <th scope="col">"Name"</th>
                {show_owner.then(|| view! { <th scope="col">"For"</th> })}
                <th scope="col">"Token"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                <th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">"State"</th>
                <th scope="col"><span class="visually-hidden">"Revoke"</span></th>
            </tr></thead>
            <tbody>
                {tokens.into_iter().map(|t| {
                    let working = t.revoked.is_none() && !t.expired;
                    let state = if t.revoked.is_some() { "Revoked" } else if t.expired { "Expired" } else { "Active" };
                    let owner = match t.kind {
                        TokenKind::Client => format!("{} (client)", t.owner),
                        TokenKind::User => t.owner.clone(),
                    };
                    view! {
                        <tr data-token=t.id.to_string()>
                            <th scope="row">{t.name.clone()}</th>
                            {show_owner.then(|| view! { <td>{owner}</td> })}
                            <td><code>{t.display.clone()}</code></td>
                            <td>{t.scopes.join(", ")}</td>
                            <td><Time at=t.created.clone() /></td>
                            <td>{match t.expires.clone() { Some(at) => view! { <Time at /> }.into_any(), None => "Never".into_any() }}</td>
                            <td>{match t.last_used.clone() {
                                Some(at) => view! { <Time at /> " " <small>{t.last_used_from.clone().map(|f| format!("from {f}"))}</small> }.into_any(),
                                None => "Not yet".into_any(),
                            }}</td>
                            <td>{state}</td>
                            <td>{working.then(|| view! {
                                <CardForm action=revoke class="revoke-token">
                                    <input type="hidden" name="id" value=t.id.to_string() />
                                    <button type="submit" class="button button-small button-danger">
                                        "Revoke" <span class="visually-hidden">{format!(" {}", t.name)}</span>
                                    </button>
                                </CardForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The account area's API tokens: make one, see them all, revoke.
#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = crate::flash::action::<CreateMyToken>();
    let revoke = crate::flash::action::<RevokeMyToken>();
    let auth = AuthContext::use_context();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| async move {
            AuthContext::known_signed_in(auth).await?;
            let role = match auth {
                Some(auth) => auth.viewer.await?.map_or(Role::Member, |v| v.role),
                None => Role::Member,
            };
            Ok::<_, AppError>((role, get_my_tokens().await?))
        },
    );
    let error = action_error(create.value());
    let revoke_error = action_error(revoke.value());
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <Title text="API tokens" />
        <section class="account-page">
            <h1>"API tokens"</h1>
            <AccountNav current="/account/tokens" />
            <p>"A token lets a script or app use Trove's JSON API as you, with only the scopes you choose. "
                "Read the " <a href="/api/docs" rel="external">"API documentation"</a> "."</p>
            {move || created().map(|created| view! { <NewSecret created /> })}
            {loaded(tokens, move |(role, tokens)| view! {
                <FormStatus error=revoke_error fields=&[] />
                <TokenTable tokens revoke show_owner=false />
                <section class="panel" aria-labelledby="new-token-heading">
                    <h2 id="new-token-heading">"New token"</h2>
                    <ActionForm action=create attr:class="token-form">
                        <FormStatus error fields=&["name", "scopes", "expires"] />
                        <TokenFields kind=TokenKind::User role error />
                        <button type="submit" class="button">"Create token"</button>
                    </ActionForm>
                </section>
            }.into_any())}
        </section>
    }
}

crate::ui::lazy_page!(ApiTokensRoute, ApiTokensPage);
