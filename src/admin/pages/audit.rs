//! The audit log, by kind and person.

use super::*;

/// What the audit page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct AuditData {
    log: Loaded<AuditPage>,
}

impl AuditData {
    fn load() -> Self {
        let query = use_query_map();
        let log = Resource::new(
            move || {
                query.with(|q| (q.get("entity"), q.get("actor"), q.get("page").and_then(|p| p.parse::<u32>().ok())))
            },
            |(entity, actor, page)| get_audit_log(entity, actor, page),
        );
        AuditData { log }
    }
}

crate::ui::lazy_page!(AuditRoute, AuditPage);

#[component]
fn AuditPage() -> impl IntoView {
    let this = AuditData::load();
    let log = this.log;
    let entity = query_value("entity")().unwrap_or_default();
    let actor = query_value("actor")().unwrap_or_default();
    let query = vec![("entity", entity.clone()), ("actor", actor.clone())];
    view! {
        <AdminPage title="Audit log".into() current="/admin/audit">
            <form method="get" action="/admin/audit" class="filters" aria-label="Filter the audit log">
                <label>"What"
                    <select name="entity">
                        {[("", "Everything"), ("product", "Products"), ("category", "Categories"), ("order", "Orders"),
                          ("promo_code", "Promo codes"), ("user", "Users")]
                            .into_iter().map(|(v, l)| view! { <option value=v selected=entity == v>{l}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Who (username)" <input type="search" name="actor" value=actor /></label>
                <button type="submit" class="button">"Filter"</button>
            </form>
            {loaded(log, move |page| {
                let query = query.clone();
                view! {
                    <table class="admin-table audit">
                        <caption class="visually-hidden">"Changes, newest first"</caption>
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                            <th scope="col">"Change"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                        <tbody>
                            {page.entries.into_iter().map(|e| view! {
                                <tr>
                                    <td><Time at=e.at /></td>
                                    <td>{e.actor}</td>
                                    <td><code>{e.action}</code> " " {format!("{} {}", e.entity, e.entity_id)}</td>
                                    <td>{e.summary}</td>
                                    <td><code>{e.before.unwrap_or_default()}</code></td>
                                    <td><code>{e.after.unwrap_or_default()}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager path="/admin/audit" query page=page.page has_next=page.has_next />
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}
