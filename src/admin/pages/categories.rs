//! Categories: create, rename, describe, delete.

use super::*;

/// What the categories page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct CategoriesData {
    categories: Loaded<Vec<CategoryRow>>,
    save: ServerAction<SaveCategory>,
    delete: ServerAction<DeleteCategory>,
}

impl CategoriesData {
    fn load() -> Self {
        let save = crate::flash::action::<SaveCategory>();
        let delete = crate::flash::action::<DeleteCategory>();
        let categories =
            Resource::new(move || (save.version().get(), delete.version().get()), |_| get_admin_categories());
        CategoriesData { categories, save, delete }
    }
}

crate::ui::lazy_page!(CategoriesRoute, CategoriesPage);

#[component]
fn CategoriesPage() -> impl IntoView {
    let this = CategoriesData::load();
    let CategoriesData { categories, save, delete } = this;
    let error = action_error(save.value());
    view! {
        <AdminPage title="Categories".into() current="/admin/categories">
            {outcome(save.value(), |m: &String| m.clone())}
            {outcome(delete.value(), |m: &String| m.clone())}
            <section class="panel" aria-labelledby="new-category">
                <h2 id="new-category">"New category"</h2>
                <ActionForm action=save>
                    <Field id="category-new-name" name="name" label="Name" required=true error=field_error(error, "name") />
                    <div class="field">
                        <label for="category-new-description">"Description"</label>
                        <textarea id="category-new-description" name="description" rows="2"></textarea>
                    </div>
                    <button type="submit" class="button">"Create category"</button>
                </ActionForm>
            </section>
            {loaded(categories, move |list| {
                let others = list.clone();
                view! {
                    <ul class="admin-cards">
                        {list.into_iter().map(|c| {
                            let targets: Vec<CategoryRow> = others.iter().filter(|o| o.id != c.id).cloned().collect();
                            let (name, delete_label) = (c.name.clone(), format!("Delete {}", c.name));
                            view! {
                                <li class="panel" aria-label=format!("Category {}", c.name)>
                                    <h2><a href=format!("/c/{}", c.slug)>{c.name.clone()}</a></h2>
                                    <p>{format!("{} product{}", c.products, if c.products == 1 { "" } else { "s" })}</p>
                                    <ActionForm action=save>
                                        <input type="hidden" name="id" value=c.id.to_string() />
                                        <label>"Name" <input type="text" name="name" value=name required /></label>
                                        <label>"Description" <textarea name="description" rows="2">{c.description.clone()}</textarea></label>
                                        <button type="submit" class="button button-secondary">"Save"</button>
                                    </ActionForm>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="id" value=c.id.to_string() />
                                        {(c.products > 0).then(|| view! {
                                            <label>"Move its products to"
                                                <select name="move_to">
                                                    <option value="">"Don't move them"</option>
                                                    {targets.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                                                </select>
                                            </label>
                                        })}
                                        <button type="submit" class="button button-danger">{delete_label}</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}
