//! Promo codes: create, edit, activate and deactivate.

use super::*;

/// What the promos page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct PromosData {
    promos: Loaded<Vec<PromoRow>>,
    save: ServerAction<SavePromo>,
    active: ServerAction<SetPromoActive>,
}

impl PromosData {
    fn load() -> Self {
        let save = crate::flash::action::<SavePromo>();
        let active = crate::flash::action::<SetPromoActive>();
        let promos = Resource::new(move || (save.version().get(), active.version().get()), |_| get_promos());
        PromosData { promos, save, active }
    }
}

crate::ui::lazy_page!(PromosRoute, PromosPage);

#[component]
fn PromosPage() -> impl IntoView {
    let this = PromosData::load();
    let PromosData { promos, save, active } = this;
    let error = action_error(save.value());
    view! {
        <AdminPage title="Promo codes".into() current="/admin/promos">
            {outcome(active.value(), |_: &()| "Saved.".to_owned())}
            <section class="panel" aria-labelledby="new-promo">
                <h2 id="new-promo">"New promo code"</h2>
                <ActionForm action=save>
                    <FormStatus error fields=&["code", "kind", "value", "min_subtotal", "expires_on", "usage_limit"]
                        success=Signal::derive(move || save.value().get().and_then(|r| r.ok())) />
                    <PromoFields prefix="new" promo=None error />
                    <button type="submit" class="button">"Create code"</button>
                </ActionForm>
            </section>
            {loaded(promos, move |list| {
                view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Promo codes"</caption>
                        <thead><tr><th scope="col">"Code"</th><th scope="col">"Discount"</th><th scope="col">"Used"</th>
                            <th scope="col">"Expires"</th><th scope="col">"State"</th><th scope="col">"Change"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|p| {
                                let discount = if p.percent { format!("{}%", p.value.normalize()) } else { p.value.to_string() };
                                let toggle_label = format!("{}{}", if p.active { "Deactivate " } else { "Activate " }, p.code);
                                let edit_label = format!("Edit {}", p.code);
                                let used = match p.usage_limit { Some(limit) => format!("{} of {limit}", p.used_count), None => p.used_count.to_string() };
                                view! {
                                    <tr>
                                        <th scope="row">{p.code.clone()}</th>
                                        <td>{discount}{p.min_subtotal.map(|m| format!(" from {m}"))}</td>
                                        <td data-used=p.code.clone()>{used}</td>
                                        <td>{p.expires_on.clone()}</td>
                                        <td>{if p.active { "Active" } else { "Inactive" }}</td>
                                        <td>
                                            <ActionForm action=active>
                                                <input type="hidden" name="id" value=p.id.to_string() />
                                                <input type="hidden" name="active" value=(!p.active).to_string() />
                                                <button type="submit" class="link-button">{toggle_label}</button>
                                            </ActionForm>
                                            <details>
                                                <summary>{edit_label}</summary>
                                                <ActionForm action=save>
                                                    <input type="hidden" name="id" value=p.id.to_string() />
                                                    <PromoFields prefix="edit" promo=Some(p.clone()) error />
                                                    <button type="submit" class="button button-secondary">"Save"</button>
                                                </ActionForm>
                                            </details>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}

#[component]
fn PromoFields(prefix: &'static str, promo: Option<PromoRow>, error: Signal<Option<AppError>>) -> impl IntoView {
    let id = promo.as_ref().map_or(0, |p| p.id);
    let field_id = move |name: &str| format!("promo-{prefix}-{id}-{name}");
    let value = |f: fn(&PromoRow) -> String| promo.as_ref().map(f).unwrap_or_default();
    let percent = promo.as_ref().is_none_or(|p| p.percent);
    // Errors show beside the new-code form; an edit's errors show in its status.
    let err =
        move |field: &'static str| if prefix == "new" { field_error(error, field) } else { Signal::derive(|| None) };
    view! {
        <Field id=field_id("code") name="input[code]" label="Code" value=value(|p| p.code.clone()) required=true error=err("code") />
        <div class="field">
            <label for=field_id("kind")>"Discount type"</label>
            <select id=field_id("kind") name="input[kind]">
                <option value="percent" selected=percent>"Percentage"</option>
                <option value="fixed" selected=!percent>"Fixed amount"</option>
            </select>
        </div>
        <Field id=field_id("value") name="input[value]" label="Discount" value=value(|p| p.value.to_string()) required=true error=err("value") />
        <Field id=field_id("min") name="input[min_subtotal]" label="Minimum subtotal (optional)"
            value=value(|p| p.min_subtotal.map(|m| m.to_string()).unwrap_or_default()) error=err("min_subtotal") />
        <Field id=field_id("expires") name="input[expires_on]" label="Last day (optional)" kind="date"
            value=value(|p| p.expires_on.clone()) error=err("expires_on") />
        <Field id=field_id("limit") name="input[usage_limit]" label="Usage limit (optional)" kind="number"
            value=value(|p| p.usage_limit.map(|l| l.to_string()).unwrap_or_default()) error=err("usage_limit") />
    }
}
