//! The dashboard: takings, the revenue chart, low stock and the newest orders.

use super::*;

/// What the dashboard page loads; created in the lazy view, so its
/// code (and its server calls) stay out of the main bundle.
struct DashboardData {
    dashboard: Loaded<Dashboard>,
}

impl DashboardData {
    fn load() -> Self {
        DashboardData { dashboard: Resource::new(|| (), |_| get_dashboard()) }
    }
}

crate::ui::lazy_page!(DashboardRoute, DashboardPage);

#[component]
fn DashboardPage() -> impl IntoView {
    let this = DashboardData::load();
    let dashboard = this.dashboard;
    view! {
        {loaded(dashboard, move |d| {
            view! { <DashboardView d /> }.into_any()
        })}
    }
    .into_any()
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let currency = use_currency();
    let figure = {
        move |label: &'static str, f: PeriodFigures| {
            view! {
                <section class="panel figure" aria-label=label>
                    <h2>{label}</h2>
                    <dl>
                        <dt>"Revenue"</dt><dd data-figure="revenue">{currency.format(f.revenue)}</dd>
                        <dt>"Orders"</dt><dd data-figure="orders">{f.orders}</dd>
                        <dt>"Average order"</dt><dd data-figure="average">{currency.format(f.average())}</dd>
                    </dl>
                </section>
            }
        }
    };
    view! {
        <AdminPage title="Dashboard".into() current="/admin">
            <div class="figures">
                {figure("Today", d.today)}
                {figure("This week", d.week)}
                {figure("This month", d.month)}
            </div>
            <section class="panel" aria-labelledby="chart-heading">
                <h2 id="chart-heading">"Revenue, last 30 days"</h2>
                <RevenueChart days=d.days.clone() />
            </section>
            <div class="admin-columns">
                <section class="panel" aria-labelledby="low-heading">
                    <h2 id="low-heading">"Low stock"</h2>
                    {if d.low_stock.is_empty() {
                        view! { <p>"Every active product has more than 5 in stock."</p> }.into_any()
                    } else {
                        view! {
                            <table class="admin-table low-stock">
                                <caption class="visually-hidden">"Low stock"</caption>
                                <thead><tr><th scope="col">"Product"</th><th scope="col" class="num">"In stock"</th></tr></thead>
                                <tbody>
                                    {d.low_stock.into_iter().map(|p| view! {
                                        <tr>
                                            <th scope="row"><a href=format!("/admin/products/{}", p.id)>{p.name}</a></th>
                                            <td class="num" class:sold-out=p.stock == 0>
                                                {if p.stock == 0 { "Out of stock".to_owned() } else { p.stock.to_string() }}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }}
                </section>
                <section class="panel" aria-labelledby="newest-heading">
                    <h2 id="newest-heading">"Newest orders"</h2>
                    <OrderTable orders=d.newest caption="Newest orders" />
                </section>
            </div>
        </AdminPage>
    }
}
