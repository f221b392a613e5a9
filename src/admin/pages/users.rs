//! Users: search, a user's orders, roles and disabling.

use super::*;

/// What the users page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct UsersData {
    users: Loaded<UserList>,
}

impl UsersData {
    fn load() -> Self {
        let query = use_query_map();
        let users = Resource::new(
            move || query.with(|q| (q.get("search"), q.get("page").and_then(|p| p.parse::<u32>().ok()))),
            |(search, page)| get_admin_users(search, page),
        );
        UsersData { users }
    }
}

crate::ui::lazy_page!(UsersRoute, UsersPage);

#[component]
fn UsersPage() -> impl IntoView {
    let this = UsersData::load();
    let users = this.users;
    let search = query_value("search")().unwrap_or_default();
    let query = vec![("search", search.clone())];
    view! {
        <AdminPage title="Users".into() current="/admin/users">
            <form method="get" action="/admin/users" class="filters" role="search" aria-label="Find users">
                <label>"Name, username or email" <input type="search" name="search" value=search /></label>
                <button type="submit" class="button">"Search"</button>
            </form>
            {loaded(users, move |list| {
                let query = query.clone();
                view! {
                    <table class="admin-table">
                        <caption class="visually-hidden">"Users, newest first"</caption>
                        <thead><tr><th scope="col">"User"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                            <th scope="col" class="num">"Orders"</th><th scope="col">"Joined"</th></tr></thead>
                        <tbody>
                            {list.users.into_iter().map(|u| view! {
                                <tr>
                                    <th scope="row"><a href=format!("/admin/users/{}", u.id.0)>{u.username.clone()}</a>
                                        " " <small>{u.name.clone()}</small></th>
                                    <td>{u.email.clone()}</td>
                                    <td>{u.role.label()}{u.disabled.then_some(" · disabled")}</td>
                                    <td class="num">{u.orders}</td>
                                    <td><Time at=u.joined.clone() /></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager path="/admin/users" query page=list.page has_next=list.has_next />
                }.into_any()
            })}
        </AdminPage>
    }
    .into_any()
}

/// What the user page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct UserData {
    user: Loaded<UserDetail>,
    role: ServerAction<SetUserRole>,
    disabled: ServerAction<SetUserDisabled>,
}

impl UserData {
    fn load() -> Self {
        let params = use_params_map();
        let role = crate::flash::action::<SetUserRole>();
        let disabled = crate::flash::action::<SetUserDisabled>();
        let user = Resource::new(
            move || {
                let id =
                    params.with(|p| p.get("id").and_then(|id| uuid::Uuid::parse_str(&id).ok())).unwrap_or_default();
                (id, role.version().get(), disabled.version().get())
            },
            |(id, _, _)| get_admin_user(id),
        );
        UserData { user, role, disabled }
    }
}

crate::ui::lazy_page!(UserRoute, UserPage);

#[component]
fn UserPage() -> impl IntoView {
    let this = UserData::load();
    let UserData { user, role, disabled } = this;
    view! {
        {loaded(user, move |d| {
            let u = d.user.clone();
            let role_error = action_error(role.value());
            view! {
                <AdminPage title=format!("User {}", u.username) current="/admin/users">
                    <p>{u.name.clone()} " · " {u.email.clone()} " · joined " <Time at=u.joined.clone() />
                        {u.disabled.then(|| view! { " · " <strong>"Disabled"</strong> })}</p>
                    {outcome(role.value(), |m: &String| m.clone())}
                    {outcome(disabled.value(), |m: &String| m.clone())}
                    <section class="panel" aria-labelledby="role-heading">
                        <h2 id="role-heading">"Role"</h2>
                        <ActionForm action=role>
                            <input type="hidden" name="id" value=u.id.0.to_string() />
                            <label for="user-role">"Role"</label>
                            <select id="user-role" name="role" aria-describedby="user-role-error">
                                {[Role::Member, Role::Moderator, Role::Admin].into_iter().map(|r| view! {
                                    <option value=r.label().to_lowercase() selected=r == u.role>{r.label()}</option>
                                }).collect_view()}
                            </select>
                            <p class="field-error" id="user-role-error">{move || field_error(role_error, "role").get()}</p>
                            <button type="submit" class="button button-secondary">"Change role"</button>
                        </ActionForm>
                    </section>
                    {(!d.is_self).then(|| view! {
                        <section class="panel danger-zone" aria-labelledby="access-heading">
                            <h2 id="access-heading">"Access"</h2>
                            <ActionForm action=disabled>
                                <input type="hidden" name="id" value=u.id.0.to_string() />
                                <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                                <button type="submit" class=if u.disabled { "button" } else { "button button-danger" }>
                                    {if u.disabled { "Enable account" } else { "Disable account" }}
                                </button>
                            </ActionForm>
                        </section>
                    })}
                    <section class="panel" aria-labelledby="user-orders">
                        <h2 id="user-orders">{format!("Orders ({})", u.orders)}</h2>
                        <OrderTable orders=d.orders.clone() caption="The user's orders" />
                    </section>
                </AdminPage>
            }.into_any()
        })}
    }
    .into_any()
}
