//! Products: the table with quick edits, the editor with its images, and the CSV import.

use super::*;

/// What the products page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ProductsData {
    table: Loaded<ProductTable>,
    quick: ServerAction<QuickEditProduct>,
}

impl ProductsData {
    fn load() -> Self {
        let query = use_query_map();
        let quick = crate::flash::action::<QuickEditProduct>();
        let table = Resource::new(
            move || {
                let key = query.with(|q| {
                    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
                    (
                        get("search"),
                        get("category").and_then(|c| c.parse::<i64>().ok()),
                        get("state"),
                        get("stock").map(|v| v == "out"),
                        get("offer").map(|v| v == "yes"),
                        get("sort"),
                        get("page").and_then(|p| p.parse::<u32>().ok()),
                    )
                });
                (key, quick.version().get())
            },
            |((search, category, state, out, offer, sort, page), _)| {
                get_admin_products(search, category, state, out, offer, sort, page)
            },
        );
        ProductsData { table, quick }
    }
}

crate::ui::lazy_page!(ProductsRoute, ProductsPage);

#[component]
fn ProductsPage() -> impl IntoView {
    let this = ProductsData::load();
    let (table, quick) = (this.table, this.quick);
    let value = |k: &'static str| query_value(k)().unwrap_or_default();
    let (search, category, state, stock, offer, sort) =
        (value("search"), value("category"), value("state"), value("stock"), value("offer"), value("sort"));
    let query = vec![
        ("search", search.clone()),
        ("category", category.clone()),
        ("state", state.clone()),
        ("stock", stock.clone()),
        ("offer", offer.clone()),
        ("sort", sort.clone()),
    ];
    view! {
        <AdminPage title="Products".into() current="/admin/products">
            <p class="admin-links">
                <a class="button" href="/admin/products/new">"New product"</a>
                <a href="/admin/products/import">"Import CSV"</a>
                <a href="/admin/products.csv" download="products.csv">"Export CSV"</a>
            </p>
            {outcome(quick.value(), |message: &String| message.clone())}
            {loaded(table, move |t| {
                let (query, search, category, state, stock, offer, sort) =
                    (query.clone(), search.clone(), category.clone(), state.clone(), stock.clone(), offer.clone(), sort.clone());
                view! {
                    <form method="get" action="/admin/products" class="filters" role="search" aria-label="Filter products">
                        <label>"Name" <input type="search" name="search" value=search /></label>
                        <label>"Category"
                            <select name="category">
                                <option value="">"Any"</option>
                                {t.categories.iter().map(|c| view! {
                                    <option value=c.id.to_string() selected=category == c.id.to_string()>{c.name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"State"
                            <select name="state">
                                {[("", "Active and drafts"), ("active", "Active"), ("draft", "Drafts"), ("archived", "Archived")]
                                    .into_iter().map(|(v, l)| view! { <option value=v selected=state == v>{l}</option> }).collect_view()}
                            </select>
                        </label>
                        <label><input type="checkbox" name="stock" value="out" checked=stock == "out" /> "Out of stock"</label>
                        <label><input type="checkbox" name="offer" value="yes" checked=offer == "yes" /> "On offer"</label>
                        <label>"Sort"
                            <select name="sort">
                                {[("", "Name"), ("price", "Price"), ("stock", "Stock"), ("newest", "Newest")]
                                    .into_iter().map(|(v, l)| view! { <option value=v selected=sort == v>{l}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="button">"Show"</button>
                    </form>
                    <p>{format!("{} products", t.total)}</p>
                    <ProductRows t=t.clone() quick />
                    <Pager path="/admin/products" query page=t.page has_next=t.has_next />
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}

#[component]
fn ProductRows(t: ProductTable, quick: ServerAction<QuickEditProduct>) -> impl IntoView {
    let currency = use_currency();
    view! {
        <table class="admin-table products-admin">
            <caption class="visually-hidden">"Products"</caption>
            // One line a product: the quick edit's fields sit in their columns
            // and belong to the row's form by their `form` attribute.
            <thead><tr>
                <th scope="col">"Product"</th><th scope="col">"Category"</th><th scope="col">"State"</th>
                <th scope="col" class="num">"Offer"</th><th scope="col" class="num">"Stock"</th>
                <th scope="col" class="num">"Price"</th><th scope="col"><span class="visually-hidden">"Save"</span></th>
            </tr></thead>
            <tbody>
                {t.products.into_iter().map(|p| {
                    let state = if p.archived { "Archived" } else if p.active { "Active" } else { "Draft" };
                    let form_id = format!("quick-{}", p.id);
                    view! {
                        <tr>
                            <th scope="row">
                                {p.image.clone().map(|key| view! { <img src=image_url(&key, 80) alt="" width="40" height="40" /> })}
                                <a href=format!("/admin/products/{}", p.id)>{p.name.clone()}</a>
                            </th>
                            <td>{p.category.clone()}</td>
                            <td>{state}</td>
                            <td class="num">{p.offer_price.map(|offer| currency.format(offer))}</td>
                            <td class="num">
                                <input type="number" name="stock" min="0" value=p.stock.to_string() form=form_id.clone()
                                    class="cell-input" aria-label=format!("Stock of {}", p.name) />
                            </td>
                            <td class="num">
                                <input type="text" name="price" inputmode="decimal" value=p.price.to_string() form=form_id.clone()
                                    class="cell-input" aria-label=format!("Price of {}", p.name) />
                            </td>
                            <td>
                                <ActionForm action=quick attr:class="quick-edit" attr:id=form_id>
                                    <input type="hidden" name="id" value=p.id.to_string() />
                                    <button type="submit" class="button button-small">"Save" <span class="visually-hidden">" " {p.name.clone()}</span></button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What the product page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ProductData {
    editor: Loaded<ProductEditor>,
    save: ServerAction<SaveProduct>,
    active: ServerAction<SetProductActive>,
    remove: ServerAction<RemoveProduct>,
    image: ServerAction<ChangeImage>,
    grid: GridActions,
}

/// The variant grid's two forms: options for a product sold one way, then
/// the grid itself.
#[derive(Clone, Copy)]
struct GridActions {
    options: ServerAction<DefineProductOptions>,
    add: ServerAction<AddProductOptionValues>,
    save: ServerAction<SaveVariants>,
}

impl ProductData {
    fn load() -> Self {
        let params = use_params_map();
        let save = crate::flash::action::<SaveProduct>();
        let active = crate::flash::action::<SetProductActive>();
        let remove = crate::flash::action::<RemoveProduct>();
        let image = crate::flash::action::<ChangeImage>();
        let grid = GridActions {
            options: crate::flash::action::<DefineProductOptions>(),
            add: crate::flash::action::<AddProductOptionValues>(),
            save: crate::flash::action::<SaveVariants>(),
        };
        let editor = Resource::new(
            move || {
                let id = params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
                (
                    id,
                    active.version().get(),
                    image.version().get(),
                    grid.options.version().get(),
                    grid.add.version().get(),
                    grid.save.version().get(),
                )
            },
            |(id, ..)| get_product_editor(id),
        );
        ProductData { editor, save, active, remove, image, grid }
    }
}

crate::ui::lazy_page!(ProductRoute, ProductPage);

#[component]
fn ProductPage() -> impl IntoView {
    let this = ProductData::load();
    let ProductData { editor, save, active, remove, image, grid } = this;
    view! {
        {loaded(editor, move |e| {
            view! { <ProductForm e save active remove image grid /> }.into_any()
        })}
    }
    .into_any()
}

#[component]
fn ProductForm(
    e: ProductEditor,
    save: ServerAction<SaveProduct>,
    active: ServerAction<SetProductActive>,
    remove: ServerAction<RemoveProduct>,
    image: ServerAction<ChangeImage>,
    grid: GridActions,
) -> impl IntoView {
    let error = action_error(save.value());
    let in_variants = e.variants.rows.len() > 1;
    let title = match e.id {
        Some(_) => format!("Edit {}", e.input.name),
        None => "New product".to_owned(),
    };
    let saved = Signal::derive(move || matches!(save.value().get(), Some(Ok(_))).then(|| "Saved.".to_owned()));
    let created = query_value("created")().is_some();
    let uploaded = query_value("uploaded")();
    let upload_error = e.upload_error.clone();
    let input = e.input.clone();
    let (archived, is_active, categories) = (e.archived, e.input.active.is_some(), e.categories.clone());
    let fields = &["name", "slug", "category_id", "description", "price", "offer_price", "stock"];
    view! {
        <AdminPage title current="/admin/products">
            {created.then(|| view! { <p class="alert alert-success" role="status">"Product created. Add its images below."</p> })}
            {e.archived.then(|| view! { <p class="alert">"This product is archived: it has sold, so it is kept for its orders but hidden from shoppers."</p> })}
            <ActionForm action=save attr:class="product-form">
                <FormStatus error fields success=saved />
                {e.id.map(|id| view! { <input type="hidden" name="id" value=id.to_string() /> })}
                <Field id="product-name" name="input[name]" label="Name" value=input.name.clone() required=true error=field_error(error, "name") />
                <Field id="product-slug" name="input[slug]" label="Slug" value=input.slug.clone()
                    hint="The product's address: /p/slug. Leave it empty to derive it from the name." error=field_error(error, "slug") />
                <div class="field">
                    <label for="product-category">"Category"</label>
                    <select id="product-category" name="input[category_id]" required
                        aria-invalid=move || field_error(error, "category_id").get().is_some().then_some("true")
                        aria-describedby="product-category-error">
                        <option value="">"Choose…"</option>
                        {categories.iter().map(|c| view! {
                            <option value=c.id.to_string() selected=input.category_id == c.id.to_string()>{c.name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" id="product-category-error">{move || field_error(error, "category_id").get()}</p>
                </div>
                <div class="field">
                    <label for="product-description">"Description"</label>
                    <textarea id="product-description" name="input[description]" rows="6" aria-describedby="product-description-error">{input.description.clone()}</textarea>
                    <p class="field-error" id="product-description-error">{move || field_error(error, "description").get()}</p>
                </div>
                <Field id="product-price" name="input[price]" label="Price" value=input.price.clone() required=true
                    error=field_error(error, "price") />
                <Field id="product-offer" name="input[offer_price]" label="Offer price" value=input.offer_price.clone()
                    hint="Optional: below the price while the offer runs." error=field_error(error, "offer_price") />
                {if in_variants {
                    view! {
                        <div class="field">
                            <label for="product-stock">"Stock"</label>
                            <input id="product-stock" name="input[stock]" type="number" value=input.stock.clone() readonly
                                aria-describedby="product-stock-hint" />
                            <p class="field-hint" id="product-stock-hint">"The sum of its variants' stock: set each in the variants table below."</p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <Field id="product-stock" name="input[stock]" label="Stock" kind="number" value=input.stock.clone() required=true
                            error=field_error(error, "stock") />
                    }.into_any()
                }}
                <label class="check"><input type="checkbox" name="input[active]" checked=is_active disabled=archived />
                    " Active (visible to shoppers)"</label>
                <label class="check"><input type="checkbox" name="input[featured]" checked=input.featured.is_some() /> " Featured on the home page"</label>
                <button type="submit" class="button">{if e.id.is_some() { "Save product" } else { "Create product" }}</button>
            </ActionForm>
            {e.id.map(|id| {
                view! {
                    <section class="panel" aria-labelledby="images-heading">
                        <h2 id="images-heading">"Images"</h2>
                        {uploaded.map(|n| view! { <p class="alert alert-success" role="status">{format!("{n} image(s) uploaded.")}</p> })}
                        {upload_error.map(|m| view! { <p class="alert alert-error" role="alert">{m}</p> })}
                        {outcome(image.value(), |_: &()| "Images updated.".to_owned())}
                        <ImageList product=id images=e.images.clone() image />
                        <form method="post" action=format!("/admin/products/{id}/images") enctype="multipart/form-data" class="upload-form">
                            <div class="field">
                                <label for="product-images">"Add images"</label>
                                <input id="product-images" type="file" name="images" multiple accept="image/png,image/jpeg,image/webp" required />
                                <p class="field-hint">"PNG, JPEG or WebP, up to 8 MB each and 10 at a time. They are resized to 800 pixels."</p>
                            </div>
                            <Field id="product-images-alt" name="alt" label="Describe the images (alt text)"
                                hint="Read by screen readers. Leave empty to use the product's name." error=Signal::derive(|| None::<String>) />
                            <button type="submit" class="button">"Upload"</button>
                        </form>
                    </section>
                    <VariantsPanel product=id variants=e.variants.clone() images=e.images.clone() grid />
                    <section class="panel danger-zone" aria-labelledby="state-heading">
                        <h2 id="state-heading">"Visibility"</h2>
                        {outcome(active.value(), |_: &()| "Saved.".to_owned())}
                        {(!e.archived || !is_active).then(|| view! {
                            <ActionForm action=active>
                                <input type="hidden" name="id" value=id.to_string() />
                                <input type="hidden" name="active" value=(!is_active).to_string() />
                                <button type="submit" class="button button-secondary">{if is_active { "Deactivate (make a draft)" } else { "Activate" }}</button>
                            </ActionForm>
                        })}
                        {outcome(remove.value(), |message: &String| message.clone())}
                        {(!e.archived).then(|| view! {
                            <ActionForm action=remove>
                                <input type="hidden" name="id" value=id.to_string() />
                                <button type="submit" class="button button-danger">{if e.sold { "Archive product" } else { "Delete product" }}</button>
                            </ActionForm>
                        })}
                    </section>
                }
            })}
            <p><a href="/admin/products">"All products"</a></p>
        </AdminPage>
    }
}

/// Options for a product sold one way; then its variants in one table, each
/// cell its own field with its own error.
#[component]
fn VariantsPanel(product: i64, variants: AdminVariants, images: Vec<AdminImage>, grid: GridActions) -> impl IntoView {
    let options_error = action_error(grid.options.value());
    let grid_error = action_error(grid.save.value());
    let add_error = action_error(grid.add.value());
    let body = if variants.options.is_empty() {
        view! {
            <p>"Sold one way. To sell it in sizes, colours or the like, name its options: each gets a variant with its own SKU, price and stock."</p>
            <ActionForm action=grid.options attr:class="options-form">
                <input type="hidden" name="product" value=product.to_string() />
                <OptionLines id="product-options" label="Options" rows=3 placeholder="Size: S, M, L, XL"
                    hint="One option a line: its name, a colon, then its values separated by commas."
                    error=field_error(options_error, "options") />
                <button type="submit" class="button">"Make the variants"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        let names = variants.options.iter().map(|o| format!("{}: {}", o.name, o.values.join(", "))).collect::<Vec<_>>();
        let rows = variants
            .rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| view! { <VariantGridRow i row images=images.clone() error=grid_error /> })
            .collect_view();
        view! {
            <ul class="option-summary">{names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            <details class="add-values">
                <summary>"Add values"</summary>
                <ActionForm action=grid.add attr:class="options-form">
                    <input type="hidden" name="product" value=product.to_string() />
                    <OptionLines id="option-additions" label="New values" rows=2 placeholder="Colour: Green"
                        hint="One option a line: its name, a colon, then the values to add. Each new combination gets a variant, not on sale until you set it below."
                        error=field_error(add_error, "options") />
                    <button type="submit" class="button button-secondary">"Add the values"</button>
                </ActionForm>
            </details>
            <ActionForm action=grid.save attr:class="variant-grid" attr:novalidate=true>
                <input type="hidden" name="product" value=product.to_string() />
                <p class="alert alert-error" role="alert" hidden=move || grid_error.get().is_none()>
                    {move || grid_error.get().map(|e| match e {
                        AppError::Validation(_) | AppError::Conflict { .. } => "Nothing was saved: correct the cells marked below.".to_owned(),
                        other => other.to_string(),
                    })}
                </p>
                <div class="table-scroll">
                    <table class="admin-table">
                        <caption class="visually-hidden">"Variants"</caption>
                        <thead><tr>
                            <th scope="col">"Variant"</th><th scope="col">"SKU"</th><th scope="col">"Price"</th>
                            <th scope="col">"Offer price"</th><th scope="col">"Stock"</th><th scope="col">"On sale"</th><th scope="col">"Pictures"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <p class="field-hint">"An empty price is the product's price (and its offer)."</p>
                <button type="submit" class="button">"Save variants"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby="variants-heading">
            <h2 id="variants-heading">"Variants"</h2>
            {outcome(grid.options.value(), |message: &String| message.clone())}
            {outcome(grid.add.value(), |message: &String| message.clone())}
            {outcome(grid.save.value(), |message: &String| message.clone())}
            {body}
        </section>
    }
}

/// The `options` field of the forms that name options and their values, one
/// option a line ("Size: S, M, L").
#[component]
fn OptionLines(
    id: &'static str,
    label: &'static str,
    rows: u32,
    placeholder: &'static str,
    hint: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <textarea id=id name="options" rows=rows aria-describedby=format!("{id}-hint {id}-error")
                aria-invalid=move || error.get().is_some().then_some("true") placeholder=placeholder></textarea>
            <p class="field-hint" id=format!("{id}-hint")>{hint}</p>
            <p class="field-error" id=format!("{id}-error")>{move || error.get()}</p>
        </div>
    }
}

/// One row of the grid: `variants[i][…]` fields, errors under `field-id`.
#[component]
fn VariantGridRow(
    i: usize,
    row: AdminVariant,
    images: Vec<AdminImage>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = row.id;
    let cell = move |field: &'static str| {
        let key = crate::admin::rules::cell(field, id);
        Signal::derive(move || error.get().and_then(|e| e.message_for(&key)))
    };
    let input = move |field: &'static str, value: String, label: String, kind: &'static str| {
        let problem = cell(field);
        let input_id = format!("variant-{id}-{field}");
        let error_id = format!("{input_id}-error");
        view! {
            <td>
                <input id=input_id.clone() name=format!("variants[{i}][{field}]") type=kind value=value aria-label=label
                    class="grid-input" aria-invalid=move || problem.get().is_some().then_some("true") aria-describedby=error_id.clone() />
                <p class="field-error" id=error_id>{move || problem.get()}</p>
            </td>
        }
    };
    let label = row.label.clone();
    view! {
        <tr>
            <th scope="row">
                <input type="hidden" name=format!("variants[{i}][id]") value=id.to_string() />
                {row.label.clone()}
            </th>
            {input("sku", row.sku.clone(), format!("SKU of {label}"), "text")}
            {input("price", row.price.clone(), format!("Price of {label}"), "text")}
            {input("offer_price", row.offer_price.clone(), format!("Offer price of {label}"), "text")}
            {input("stock", row.stock.to_string(), format!("Stock of {label}"), "number")}
            <td><input type="checkbox" name=format!("variants[{i}][active]") checked=row.active aria-label=format!("{label} on sale") /></td>
            <td>
                // Ticked pictures are the variant's, in the gallery's order; none: the whole gallery.
                <fieldset class="variant-pictures">
                    <legend class="visually-hidden">{format!("Pictures of {label}")}</legend>
                    {images.into_iter().enumerate().map(|(n, img)| view! {
                        <label class="variant-picture" title=img.alt.clone()>
                            <input type="checkbox" name=format!("variants[{i}][images][{n}]") value=img.id.to_string()
                                checked=row.images.contains(&img.id) />
                            <img src=crate::product::image_url(&img.key, 144) alt=format!("Image {}: {}", n + 1, img.alt) width="40" height="40" />
                        </label>
                    }).collect_view()}
                </fieldset>
            </td>
        </tr>
    }
}

#[component]
fn ImageList(product: i64, images: Vec<AdminImage>, image: ServerAction<ChangeImage>) -> impl IntoView {
    if images.is_empty() {
        return view! { <p>"No images yet."</p> }.into_any();
    }
    let count = images.len();
    view! {
        <ol class="admin-images">
            {images.into_iter().enumerate().map(|(i, img)| {
                let button = move |change: &'static str, label: String| view! {
                    <ActionForm action=image>
                        <input type="hidden" name="product" value=product.to_string() />
                        <input type="hidden" name="image" value=img.id.to_string() />
                        <input type="hidden" name="change" value=change />
                        <button type="submit" class="link-button">{label}</button>
                    </ActionForm>
                };
                let n = i + 1;
                view! {
                    <li aria-label=format!("Image {n}")>
                        <img src=image_url(&img.key, 240) alt=img.alt.clone() width="120" height="120" />
                        {if img.is_primary {
                            view! { <strong class="badge">"Primary"</strong> }.into_any()
                        } else {
                            button("primary", format!("Make image {n} primary")).into_any()
                        }}
                        {(i > 0).then(|| button("up", format!("Move image {n} earlier")))}
                        {(i + 1 < count).then(|| button("down", format!("Move image {n} later")))}
                        {button("remove", format!("Remove image {n}"))}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// What the import page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct ImportData {
    report: Loaded<Option<ImportReport>>,
}

impl ImportData {
    fn load() -> Self {
        ImportData { report: Resource::new(|| (), |_| get_import_report()) }
    }
}

crate::ui::lazy_page!(ImportRoute, ImportPage);

#[component]
fn ImportPage() -> impl IntoView {
    let this = ImportData::load();
    let report = this.report;
    view! {
        <AdminPage title="Import products".into() current="/admin/products">
            {loaded(report, |report| {
                match report {
                    Some(ImportReport::Applied { created, updated }) => view! {
                        <p class="alert alert-success" role="status">
                            {format!("Imported: {created} products created, {updated} updated.")}
                        </p>
                    }.into_any(),
                    Some(ImportReport::Refused { problems }) => view! {
                        <div class="alert alert-error" role="alert">
                            <p>"Nothing was imported. Correct these problems and upload the file again:"</p>
                            <table class="admin-table">
                                <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                                <tbody>
                                    {problems.into_iter().map(|p| view! {
                                        <tr><td>{p.line}</td><td>{p.column}</td><td>{p.message}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    None => ().into_any(),
                }
            })}
            <p>"A CSV file with a header line. Columns: name, slug, category (its slug or name), description, price, offer_price, stock, active and featured (yes or no). "
               "A row whose slug (or, without a slug, whose name) matches a product updates it; any other row creates one. "
               "The whole file is checked first: it is imported completely or not at all."</p>
            <p><a href="/admin/products.csv" download="products.csv">"Export the catalog"</a>" to start from the current products."</p>
            <form method="post" action="/admin/products/import" enctype="multipart/form-data" class="upload-form">
                <div class="field">
                    <label for="import-file">"CSV file"</label>
                    <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
                </div>
                <button type="submit" class="button">"Import"</button>
            </form>
        </AdminPage>
    }
    .into_any()
}
