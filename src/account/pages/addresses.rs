//! The address book, and the address fields checkout shares.

use super::*;

/// The address book: add, edit, delete, make primary.
#[component]
pub fn AddressesPage() -> impl IntoView {
    let save = crate::flash::action::<SaveAddress>();
    let delete = crate::flash::action::<DeleteAddress>();
    let primary = crate::flash::action::<MakeAddressPrimary>();
    let addresses = Resource::new(
        move || (save.version().get(), delete.version().get(), primary.version().get()),
        |_| get_addresses(),
    );
    let list_error = Signal::derive(move || {
        [delete.value().get(), primary.value().get()].into_iter().flatten().find_map(|r| r.err())
    });
    view! {
        <Title text="Your addresses" />
        <section class="account-page">
            <h1>"Your addresses"</h1>
            <AccountNav current="/account/addresses" />
            {loaded(addresses, move |addresses| {
                view! {
                    <FormStatus error=list_error fields=&[] />
                    {if addresses.is_empty() {
                        view! { <p>"No saved addresses yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="address-list">
                                {addresses.into_iter().map(|address| view! {
                                    <AddressCard address save delete primary />
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <section aria-labelledby="new-address-heading" class="panel">
                        <h2 id="new-address-heading">"Add an address"</h2>
                        <AddressForm action=save prefix="new-address".into() address=None />
                    </section>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn AddressCard(
    address: Address,
    save: ServerAction<SaveAddress>,
    delete: ServerAction<DeleteAddress>,
    primary: ServerAction<MakeAddressPrimary>,
) -> impl IntoView {
    let id = address.id.to_string();
    let primary_id = id.clone();
    let delete_id = id.clone();
    let f = address.fields.clone();
    let name = f.full_name.clone();
    let delete_label = format!(": {}", f.full_name);
    let edit_label = format!(" address of {}", f.full_name);
    let line2 = f.line2.clone();
    let phone = f.phone.clone();
    view! {
        <li class="address panel" aria-label=format!("Address of {}", f.full_name)>
            <address>
                {f.full_name.clone()} <br />
                {f.line1.clone()} <br />
                {(!line2.is_empty()).then(|| view! { {line2.clone()} <br /> })}
                {format!("{} {} {}", f.city, f.province, f.postal_code).split_whitespace().collect::<Vec<_>>().join(" ")} <br />
                {country_name(&f.country).to_owned()}
                {(!phone.is_empty()).then(|| view! { <br /> {phone.clone()} })}
            </address>
            {address.is_primary.then(|| view! { <p><span class="badge badge-info">"Primary address"</span></p> })}
            <div class="address-actions">
                {(!address.is_primary).then(|| view! {
                    <ActionForm action=primary>
                        <input type="hidden" name="id" value=primary_id />
                        <button type="submit" class="link-button">"Make primary" <span class="visually-hidden">{format!(": {name}")}</span></button>
                    </ActionForm>
                })}
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=delete_id />
                    <button type="submit" class="link-button">"Delete" <span class="visually-hidden">{delete_label}</span></button>
                </ActionForm>
            </div>
            <details>
                <summary>"Edit"<span class="visually-hidden">{edit_label}</span></summary>
                <AddressForm action=save prefix=format!("address-{id}") address=Some(address.clone()) />
            </details>
        </li>
    }
}

#[component]
fn AddressForm(action: ServerAction<SaveAddress>, prefix: String, address: Option<Address>) -> impl IntoView {
    let editing = address.as_ref().map(|a| a.id);
    let values =
        address.map(|a| a.fields).unwrap_or_else(|| AddressInput { country: "US".into(), ..Default::default() });
    // Errors belong to the form that was submitted: the one whose id matches.
    let error = Signal::derive(move || {
        // After a plain form post (no JavaScript) the input is unknown: the
        // error goes to the new-address form.
        let mine = action.input().get().map(|input| input.id == editing).unwrap_or(editing.is_none())
            && action.value().get().is_some();
        if mine { action.value().get().and_then(|r| r.err()) } else { None }
    });
    let saved = Signal::derive(move || {
        (editing.is_none()
            && matches!(action.value().get(), Some(Ok(())))
            && action.input().get().is_none_or(|i| i.id.is_none()))
        .then(|| "Address saved.".to_owned())
    });
    view! {
        <ActionForm action>
            <FormStatus error fields=&["full_name", "line1", "line2", "city", "province", "postal_code", "country", "phone"] success=saved />
            {editing.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
            <AddressFields id_prefix=prefix.clone() name="address" values=values.clone() error />
            <button type="submit" class="button">{if editing.is_some() { "Save changes" } else { "Add address" }}</button>
        </ActionForm>
    }
}

/// The inputs of an address, named `{name}[field]`, for any form that takes one.
#[component]
pub fn AddressFields(
    /// Makes the inputs' ids unique on the page.
    id_prefix: String,
    /// The server function argument the fields belong to.
    name: &'static str,
    values: AddressInput,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = move |field: &'static str| field_error(error, field);
    let id = move |field: &str| format!("{id_prefix}-{field}");
    let country = values.country.clone();
    view! {
        <Field id=id("full-name") name=format!("{name}[full_name]") label="Full name" autocomplete="name" required=true
            value=values.full_name.clone() error=field("full_name") />
        <Field id=id("line1") name=format!("{name}[line1]") label="Address line 1" autocomplete="address-line1" required=true
            value=values.line1.clone() error=field("line1") />
        <Field id=id("line2") name=format!("{name}[line2]") label="Address line 2 (optional)" autocomplete="address-line2"
            value=values.line2.clone() error=field("line2") />
        <div class="field-row">
            <Field id=id("city") name=format!("{name}[city]") label="City" autocomplete="address-level2" required=true
                value=values.city.clone() error=field("city") />
            <Field id=id("province") name=format!("{name}[province]") label="State or province" autocomplete="address-level1"
                value=values.province.clone() error=field("province") />
        </div>
        <div class="field-row">
            <Field id=id("postal-code") name=format!("{name}[postal_code]") label="Postal code" autocomplete="postal-code" required=true
                value=values.postal_code.clone() error=field("postal_code") />
            <div class="field">
                <label for=id("country")>"Country"</label>
                <select id=id("country") name=format!("{name}[country]") autocomplete="country">
                    {COUNTRIES.iter().map(|(code, name)| view! {
                        <option value=*code selected=*code == country>{*name}</option>
                    }).collect_view()}
                </select>
                <p class="field-error">{move || field("country").get()}</p>
            </div>
        </div>
        <Field id=id("phone") name=format!("{name}[phone]") label="Phone (optional)" kind="tel" autocomplete="tel"
            value=values.phone.clone() error=field("phone") />
    }
}
