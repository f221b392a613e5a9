//! The admin area: the dashboard, products, categories, orders, promo codes,
//! users and the audit log. Its pages are lazy routes: their code is a WASM
//! chunk of its own that shoppers never download.

pub mod api;
pub mod chart;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod upload;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::{Role, UserId};
use crate::orders::{OrderDetail, OrderNumber, OrderStatus, PaymentMethod, StaffAction};
use crate::ui::Moment;

/// Rows per page in the admin tables.
pub const PAGE_SIZE: i64 = 25;

/// Revenue and orders over one period. Revenue counts orders that are
/// confirmed and not cancelled or refunded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodFigures {
    pub revenue: Decimal,
    pub orders: i64,
}

impl PeriodFigures {
    pub fn average(&self) -> Decimal {
        if self.orders == 0 { Decimal::ZERO } else { (self.revenue / Decimal::from(self.orders)).round_dp(2) }
    }
}

/// One day of the revenue chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRevenue {
    /// `2026-11-22`
    pub day: String,
    pub revenue: Decimal,
    pub orders: i64,
}

/// A product running out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowStock {
    pub id: i64,
    pub name: String,
    pub stock: i32,
}

/// A row of an order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub number: OrderNumber,
    pub placed_at: Moment,
    pub customer: String,
    pub email: String,
    pub status: OrderStatus,
    pub payment_method: PaymentMethod,
    pub paid: bool,
    pub total: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: PeriodFigures,
    pub week: PeriodFigures,
    pub month: PeriodFigures,
    /// The last 30 days, oldest first, every day present.
    pub days: Vec<DayRevenue>,
    pub low_stock: Vec<LowStock>,
    pub newest: Vec<OrderRow>,
}

/// Filters of the admin order list, as they appear in its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub method: Option<PaymentMethod>,
    /// Inclusive, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Part of the customer's name, username or email.
    pub customer: String,
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<OrderRow>,
    pub page: u32,
    pub has_next: bool,
}

/// The admin's view of one order: the shopper's page plus the customer and
/// the actions the viewer may take now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOrder {
    pub order: OrderDetail,
    pub customer: String,
    pub email: String,
    pub customer_id: UserId,
    pub actions: Vec<StaffAction>,
}

/// Filters and sort of the admin product table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFilter {
    pub search: String,
    pub category: Option<i64>,
    pub state: ProductState,
    pub out_of_stock: bool,
    pub on_offer: bool,
    pub sort: ProductSort,
    pub page: u32,
}

/// Which products the admin table lists, by their place in the catalog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductState {
    /// Everything not archived: what staff work on.
    #[default]
    Current,
    Active,
    Draft,
    Archived,
}

impl ProductState {
    /// The URL parameter's value (`state=`); `None` for anything else.
    pub fn from_param(value: &str) -> Option<Self> {
        match value {
            "" => Some(Self::Current),
            "active" => Some(Self::Active),
            "draft" => Some(Self::Draft),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            Self::Current => "",
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Archived => "archived",
        }
    }
}

/// The admin product table's order; by name unless chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductSort {
    #[default]
    Name,
    Price,
    Stock,
    Newest,
}

impl ProductSort {
    /// The URL parameter's value (`sort=`); `None` for anything else.
    pub fn from_param(value: &str) -> Option<Self> {
        match value {
            "" | "name" => Some(Self::Name),
            "price" => Some(Self::Price),
            "stock" => Some(Self::Stock),
            "newest" => Some(Self::Newest),
            _ => None,
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Price => "price",
            Self::Stock => "stock",
            Self::Newest => "newest",
        }
    }
}

/// What staff do to one of a product's images (the form's `change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageChange {
    Primary,
    Up,
    Down,
    Alt,
    Remove,
}

impl ImageChange {
    pub fn param(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Up => "up",
            Self::Down => "down",
            Self::Alt => "alt",
            Self::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub category: String,
    pub price: Decimal,
    pub offer_price: Option<Decimal>,
    pub stock: i32,
    pub active: bool,
    pub archived: bool,
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductTable {
    pub products: Vec<ProductRow>,
    pub categories: Vec<CategoryRow>,
    pub page: u32,
    pub has_next: bool,
    pub total: i64,
}

/// The fields of the product form, as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInput {
    pub name: String,
    #[serde(default)]
    pub slug: String,
    pub category_id: String,
    #[serde(default)]
    pub description: String,
    pub price: String,
    #[serde(default)]
    pub offer_price: String,
    pub stock: String,
    #[serde(default)]
    pub active: Option<String>,
    #[serde(default)]
    pub featured: Option<String>,
}

/// An image of a product in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminImage {
    pub id: i64,
    pub key: String,
    pub alt: String,
    pub is_primary: bool,
}

/// What the product editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEditor {
    pub id: Option<i64>,
    pub input: ProductInput,
    pub archived: bool,
    pub sold: bool,
    pub images: Vec<AdminImage>,
    pub categories: Vec<CategoryRow>,
    /// Why the last image upload (a plain form post) was refused, once.
    pub upload_error: Option<String>,
    /// Its options and the grid of its variants (no options: sold one way).
    pub variants: AdminVariants,
}

/// A product's options and variants as the editor's grid shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVariants {
    pub options: Vec<rules::OptionSpec>,
    pub rows: Vec<AdminVariant>,
}

/// One variant in the grid, its numbers as the form's fields hold them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVariant {
    pub id: i64,
    /// "M / Blue".
    pub label: String,
    pub sku: String,
    /// Empty: the product's price.
    pub price: String,
    pub offer_price: String,
    pub stock: i32,
    pub active: bool,
    /// Its pictures, by id, in order.
    pub images: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub products: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoRow {
    pub id: i64,
    pub code: String,
    pub percent: bool,
    pub value: Decimal,
    pub min_subtotal: Option<Decimal>,
    pub expires_at: Option<Moment>,
    /// `YYYY-MM-DD`, for the edit form.
    pub expires_on: String,
    pub usage_limit: Option<i32>,
    pub used_count: i32,
    pub active: bool,
}

/// The promo code form, as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoInput {
    pub code: String,
    /// `percent` or `fixed`
    pub kind: String,
    pub value: String,
    #[serde(default)]
    pub min_subtotal: String,
    /// `YYYY-MM-DD`; the code works until the end of that day (UTC).
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub usage_limit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub joined: Moment,
    pub orders: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserRow>,
    pub page: u32,
    pub has_next: bool,
}

/// One user with their orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    pub orders: Vec<OrderRow>,
    /// The viewer is looking at their own account.
    pub is_self: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Moment,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub summary: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: u32,
    pub has_next: bool,
}

/// One problem in an imported file. Lines count from 1, the header included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvProblem {
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// What an import did, or why it did nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportReport {
    Applied { created: usize, updated: usize },
    Refused { problems: Vec<CsvProblem> },
}
