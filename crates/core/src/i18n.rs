//! User-facing strings of the elements, in English, Russian and Ukrainian.
//!
//! Pure data plus plural rules, so the same words are used by the browser
//! elements and by anything native that speaks to customers.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    Ru,
    Uk,
}

impl Locale {
    /// Picks the best supported locale for a BCP 47 tag (`uk-UA` → `Uk`).
    pub fn negotiate(tag: &str) -> Locale {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Locale::Ru,
            "uk" | "ua" => Locale::Uk,
            _ => Locale::En,
        }
    }
    pub fn tag(&self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
            Locale::Uk => "uk",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    AddToCart,
    Adding,
    Added,
    Cart,
    CartEmpty,
    Loading,
    LoadFailed,
    Retry,
    Subtotal,
    Total,
    Remove,
    Quantity,
    Increase,
    Decrease,
    Checkout,
    UnitPrice,
    PickupAt,
    UpdateFailed,
    BoughtTogether,
    ThisItem,
    AddSelected,
    BundleTotal,
    RecommendationsFailed,
    BundleOffer,
    Discount,
}

/// The text for `msg` in `locale`.
pub fn t(locale: Locale, msg: Msg) -> &'static str {
    use Locale::*;
    use Msg::*;
    match (msg, locale) {
        (AddToCart, En) => "Add to cart",
        (AddToCart, Ru) => "В корзину",
        (AddToCart, Uk) => "До кошика",
        (Adding, En) => "Adding…",
        (Adding, Ru) => "Добавляем…",
        (Adding, Uk) => "Додаємо…",
        (Added, En) => "Added to cart",
        (Added, Ru) => "Добавлено в корзину",
        (Added, Uk) => "Додано до кошика",
        (Cart, En) => "Cart",
        (Cart, Ru) => "Корзина",
        (Cart, Uk) => "Кошик",
        (CartEmpty, En) => "Your cart is empty.",
        (CartEmpty, Ru) => "Ваша корзина пуста.",
        (CartEmpty, Uk) => "Ваш кошик порожній.",
        (Loading, En) => "Loading…",
        (Loading, Ru) => "Загрузка…",
        (Loading, Uk) => "Завантаження…",
        (LoadFailed, En) => "Could not load the cart.",
        (LoadFailed, Ru) => "Не удалось загрузить корзину.",
        (LoadFailed, Uk) => "Не вдалося завантажити кошик.",
        (Retry, En) => "Try again",
        (Retry, Ru) => "Повторить",
        (Retry, Uk) => "Спробувати ще",
        (Subtotal, En) => "Subtotal",
        (Subtotal, Ru) => "Подытог",
        (Subtotal, Uk) => "Проміжний підсумок",
        (Total, En) => "Total",
        (Total, Ru) => "Итого",
        (Total, Uk) => "Разом",
        (Remove, En) => "Remove",
        (Remove, Ru) => "Удалить",
        (Remove, Uk) => "Видалити",
        (Quantity, En) => "Quantity",
        (Quantity, Ru) => "Количество",
        (Quantity, Uk) => "Кількість",
        (Increase, En) => "Increase quantity",
        (Increase, Ru) => "Увеличить количество",
        (Increase, Uk) => "Збільшити кількість",
        (Decrease, En) => "Decrease quantity",
        (Decrease, Ru) => "Уменьшить количество",
        (Decrease, Uk) => "Зменшити кількість",
        (Checkout, En) => "Check out",
        (Checkout, Ru) => "Оформить заказ",
        (Checkout, Uk) => "Оформити замовлення",
        (UnitPrice, En) => "each",
        (UnitPrice, Ru) => "за шт.",
        (UnitPrice, Uk) => "за шт.",
        (PickupAt, En) => "Pickup at store",
        (PickupAt, Ru) => "Самовывоз из магазина",
        (PickupAt, Uk) => "Самовивіз з магазину",
        (UpdateFailed, En) => "Could not update the cart.",
        (UpdateFailed, Ru) => "Не удалось обновить корзину.",
        (UpdateFailed, Uk) => "Не вдалося оновити кошик.",
        (BoughtTogether, En) => "Frequently bought together",
        (BoughtTogether, Ru) => "Часто покупают вместе",
        (BoughtTogether, Uk) => "Часто купують разом",
        (ThisItem, En) => "This item:",
        (ThisItem, Ru) => "Этот товар:",
        (ThisItem, Uk) => "Цей товар:",
        (AddSelected, En) => "Add selected to cart",
        (AddSelected, Ru) => "Добавить выбранное в корзину",
        (AddSelected, Uk) => "Додати вибране до кошика",
        (BundleTotal, En) => "Total",
        (BundleTotal, Ru) => "Итого",
        (BundleTotal, Uk) => "Разом",
        (RecommendationsFailed, En) => "Could not load suggestions.",
        (RecommendationsFailed, Ru) => "Не удалось загрузить рекомендации.",
        (RecommendationsFailed, Uk) => "Не вдалося завантажити рекомендації.",
        (BundleOffer, En) => "off each item when bought together",
        (BundleOffer, Ru) => "скидка на каждый товар при покупке вместе",
        (BundleOffer, Uk) => "знижка на кожен товар при купівлі разом",
        (Discount, En) => "Bundle discount",
        (Discount, Ru) => "Скидка за комплект",
        (Discount, Uk) => "Знижка за комплект",
    }
}

/// Plural category for East Slavic languages (CLDR "one", "few", "many").
fn slavic_form(n: u64) -> usize {
    let (m10, m100) = (n % 10, n % 100);
    if m10 == 1 && m100 != 11 {
        0
    } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
        1
    } else {
        2
    }
}

/// "3 items", "3 товара", "3 товари".
pub fn item_count(locale: Locale, n: u64) -> String {
    let word = match locale {
        Locale::En => if n == 1 { "item" } else { "items" },
        Locale::Ru => ["товар", "товара", "товаров"][slavic_form(n)],
        Locale::Uk => ["товар", "товари", "товарів"][slavic_form(n)],
    };
    format!("{n} {word}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_count(locale: Locale, n: u64, expected: &str) {
        assert_eq!(item_count(locale, n), expected);
    }

    #[test]
    fn plurals() {
        check_count(Locale::En, 0, "0 items");
        check_count(Locale::En, 1, "1 item");
        check_count(Locale::En, 2, "2 items");
        check_count(Locale::Ru, 1, "1 товар");
        check_count(Locale::Ru, 3, "3 товара");
        check_count(Locale::Ru, 5, "5 товаров");
        check_count(Locale::Ru, 11, "11 товаров");
        check_count(Locale::Ru, 21, "21 товар");
        check_count(Locale::Ru, 112, "112 товаров");
        check_count(Locale::Uk, 2, "2 товари");
        check_count(Locale::Uk, 14, "14 товарів");
        check_count(Locale::Uk, 22, "22 товари");
    }

    fn check_negotiate(tag: &str, expected: Locale) {
        assert_eq!(Locale::negotiate(tag), expected, "{tag}");
    }

    #[test]
    fn negotiation() {
        check_negotiate("uk-UA", Locale::Uk);
        check_negotiate("ru", Locale::Ru);
        check_negotiate("RU_ru", Locale::Ru);
        check_negotiate("de-DE", Locale::En);
        check_negotiate("", Locale::En);
    }
}
