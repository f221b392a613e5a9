//! Integrations: the shop's client tokens for the JSON API (made here, each
//! for a named integration such as a warehouse sync), and every token that
//! still works, which an admin may revoke.

use super::*;
use crate::integrations::TokenKind;
use crate::integrations::api::{CreateClientToken, RevokeAnyToken, get_integrations};
use crate::integrations::pages::{NewSecret, TokenFields, TokenTable};

crate::ui::lazy_page!(IntegrationsRoute, IntegrationsPage);

#[component]
fn IntegrationsPage() -> impl IntoView {
    let create = crate::flash::action::<CreateClientToken>();
    let revoke = crate::flash::action::<RevokeAnyToken>();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| get_integrations());
    let error = action_error(create.value());
    let revoke_error = action_error(revoke.value());
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <AdminPage title="Integrations".into() current="/admin/integrations">
            <p>"Client tokens let other systems use the JSON API for the shop: a warehouse that syncs stock, an "
                "accounting export. Each has only the scopes it is given. People's own tokens are listed too; "
                "revoking any token stops it on its next request. See the " <a href="/api/docs" rel="external">"API documentation"</a> "."</p>
            {move || created().map(|created| view! { <NewSecret created /> })}
            {loaded(tokens, move |tokens| view! {
                <FormStatus error=revoke_error fields=&[] />
                <TokenTable tokens revoke show_owner=true />
            }.into_any())}
            <section class="panel" aria-labelledby="new-client-heading">
                <h2 id="new-client-heading">"New client token"</h2>
                <ActionForm action=create attr:class="token-form">
                    <FormStatus error fields=&["integration", "name", "scopes", "expires"] />
                    <TokenFields kind=TokenKind::Client role=Role::Admin error />
                    <button type="submit" class="button">"Create client token"</button>
                </ActionForm>
            </section>
        </AdminPage>
    }
}
