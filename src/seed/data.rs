//! The demo shop's content: categories, products and the words around them.

/// A demo category and its products as `(name, price)`.
pub struct CategorySeed {
    pub name: &'static str,
    pub description: &'static str,
    /// The hue its product pictures are drawn in.
    pub hue: u16,
    /// A sentence every product description in it may use.
    pub blurb: &'static str,
    pub products: &'static [(&'static str, &'static str)],
}

pub const CATEGORIES: &[CategorySeed] = &[
    CategorySeed {
        name: "Fresh Fruit",
        description: "Ripe, seasonal fruit picked for flavour and delivered fresh.",
        hue: 35,
        blurb: "Picked ripe and packed the same day, so it tastes the way fruit should.",
        products: &[
            ("Organic Bananas, 1 kg", "2.49"), ("Honeycrisp Apples, 6 pack", "4.99"), ("Navel Oranges, 2 kg", "5.49"),
            ("Red Seedless Grapes, 500 g", "3.99"), ("Hass Avocados, 4 pack", "4.79"), ("Blueberries, 250 g", "3.49"),
            ("Strawberries, 400 g", "3.99"), ("Alphonso Mangoes, 2 pack", "5.99"), ("Conference Pears, 1 kg", "2.99"),
            ("Pineapple, Extra Sweet", "2.79"), ("Unwaxed Lemons, 5 pack", "1.99"), ("Kiwi Fruit, 6 pack", "2.49"),
            ("Raspberries, 150 g", "2.99"), ("Watermelon, Mini", "3.49"),
        ],
    },
    CategorySeed {
        name: "Vegetables",
        description: "Crisp greens, roots and everything for tonight's dinner.",
        hue: 110,
        blurb: "Grown by farms we know, washed and ready for your kitchen.",
        products: &[
            ("Vine Tomatoes, 500 g", "2.29"), ("Baby Spinach, 200 g", "1.89"), ("Broccoli Crown", "1.29"),
            ("Carrots, 1 kg", "0.99"), ("Sweet Potatoes, 1 kg", "2.19"), ("Red Onions, 1 kg", "1.19"),
            ("Garlic Bulbs, 3 pack", "1.09"), ("Cucumber", "0.79"), ("Mixed Bell Peppers, 3 pack", "2.49"),
            ("Chestnut Mushrooms, 250 g", "1.59"), ("Courgettes, 3 pack", "1.69"), ("Cavolo Nero, 200 g", "1.99"),
            ("Maris Piper Potatoes, 2.5 kg", "2.79"), ("Fresh Ginger Root, 150 g", "0.89"),
        ],
    },
    CategorySeed {
        name: "Bakery",
        description: "Bread, pastries and cakes baked every morning.",
        hue: 28,
        blurb: "Baked in small batches every morning with flour, water, salt and time.",
        products: &[
            ("Sourdough Loaf, 800 g", "3.95"), ("Seeded Rye Bread", "3.45"), ("Butter Croissants, 4 pack", "2.99"),
            ("Pain au Chocolat, 4 pack", "3.29"), ("French Baguette", "1.49"), ("Cinnamon Buns, 4 pack", "3.79"),
            ("Wholemeal Sandwich Loaf", "1.89"), ("Ciabatta Rolls, 4 pack", "2.19"), ("Blueberry Muffins, 4 pack", "3.49"),
            ("Focaccia with Rosemary", "3.99"), ("Bagels, Plain, 5 pack", "2.59"), ("Lemon Drizzle Cake", "4.49"),
            ("Brioche Burger Buns, 4 pack", "2.29"), ("Chocolate Brownies, 6 pack", "4.29"),
        ],
    },
    CategorySeed {
        name: "Dairy & Eggs",
        description: "Milk, cheese, yoghurt and free-range eggs.",
        hue: 200,
        blurb: "From dairies that keep their herds outdoors for most of the year.",
        products: &[
            ("Whole Milk, 2 L", "1.65"), ("Oat Milk, Barista, 1 L", "1.95"), ("Free-Range Eggs, 12 pack", "3.49"),
            ("Greek Yoghurt, 500 g", "2.39"), ("Mature Cheddar, 400 g", "3.99"), ("Salted Butter, 250 g", "2.29"),
            ("Mozzarella, 125 g", "0.99"), ("Parmigiano Reggiano, 200 g", "4.79"), ("Crème Fraîche, 200 ml", "1.49"),
            ("Skyr Vanilla, 450 g", "2.19"), ("Brie de Meaux, 200 g", "3.59"), ("Double Cream, 300 ml", "1.79"),
            ("Halloumi, 225 g", "2.89"), ("Kefir, Natural, 500 ml", "2.49"),
        ],
    },
    CategorySeed {
        name: "Pantry Staples",
        description: "Pasta, rice, oils, spices and the basics you reach for daily.",
        hue: 48,
        blurb: "A cupboard essential that keeps for months and cooks in minutes.",
        products: &[
            ("Spaghetti, Bronze Cut, 500 g", "1.79"), ("Basmati Rice, 1 kg", "2.99"), ("Extra Virgin Olive Oil, 750 ml", "7.49"),
            ("Chopped Tomatoes, 400 g", "0.69"), ("Red Lentils, 1 kg", "2.29"), ("Chickpeas, 400 g", "0.79"),
            ("Rolled Oats, 1 kg", "1.59"), ("Wildflower Honey, 340 g", "4.99"), ("Smooth Peanut Butter, 340 g", "2.79"),
            ("Sea Salt Flakes, 250 g", "2.49"), ("Smoked Paprika, 50 g", "1.99"), ("Coconut Milk, 400 ml", "1.29"),
            ("Arborio Risotto Rice, 1 kg", "2.89"), ("Balsamic Vinegar of Modena, 250 ml", "3.99"),
        ],
    },
    CategorySeed {
        name: "Beverages",
        description: "Coffee, tea, juices and sparkling drinks.",
        hue: 15,
        blurb: "Sourced directly from growers and roasted or blended in small lots.",
        products: &[
            ("Espresso Beans, 1 kg", "16.99"), ("Ground Filter Coffee, 250 g", "4.49"), ("English Breakfast Tea, 80 bags", "3.29"),
            ("Sencha Green Tea, 100 g", "5.99"), ("Fresh Orange Juice, 1 L", "2.99"), ("Sparkling Water, 6 x 1 L", "3.49"),
            ("Cold Brew Coffee, 4 x 250 ml", "6.49"), ("Ginger Beer, 4 pack", "3.99"), ("Kombucha, Raspberry, 330 ml", "2.49"),
            ("Hot Chocolate, 400 g", "4.29"), ("Coconut Water, 1 L", "2.79"), ("Chamomile Tea, 20 bags", "1.99"),
            ("Apple Juice, Cloudy, 1 L", "2.19"), ("Matcha Powder, 30 g", "11.99"),
        ],
    },
    CategorySeed {
        name: "Snacks & Sweets",
        description: "Crisps, nuts, chocolate and treats for any time of day.",
        hue: 330,
        blurb: "Made with real ingredients and no palm oil.",
        products: &[
            ("Dark Chocolate 70%, 100 g", "2.49"), ("Sea Salt Crisps, 150 g", "1.79"), ("Roasted Almonds, 200 g", "3.49"),
            ("Salted Caramel Popcorn, 100 g", "1.99"), ("Oat Flapjacks, 6 pack", "2.99"), ("Gummy Bears, 200 g", "1.49"),
            ("Mixed Nuts and Raisins, 400 g", "4.29"), ("Shortbread Fingers, 200 g", "2.29"), ("Tortilla Chips, 200 g", "1.69"),
            ("Milk Chocolate Buttons, 150 g", "1.99"), ("Rice Cakes, Lightly Salted", "1.09"), ("Pretzel Twists, 175 g", "1.59"),
            ("Medjool Dates, 250 g", "4.99"), ("Stroopwafels, 8 pack", "2.69"),
        ],
    },
    CategorySeed {
        name: "Headphones & Audio",
        description: "Headphones, earbuds and speakers for music and calls.",
        hue: 260,
        blurb: "Tuned for clear voices and honest bass, with a two-year warranty.",
        products: &[
            ("Wireless Noise-Cancelling Headphones", "249.00"), ("True Wireless Earbuds Pro", "149.00"),
            ("Studio Monitor Headphones", "129.00"), ("Sport Earbuds with Ear Hooks", "59.99"),
            ("Portable Bluetooth Speaker", "79.99"), ("Smart Speaker with Voice Assistant", "99.00"),
            ("USB Condenser Microphone", "89.00"), ("Wired In-Ear Headphones", "19.99"), ("Soundbar, 2.1 Channel", "199.00"),
            ("Kids' Volume-Limited Headphones", "29.99"), ("Open-Back Reference Headphones", "299.00"),
            ("Waterproof Shower Speaker", "24.99"), ("USB-C DAC and Amplifier", "69.00"), ("Bookshelf Speakers, Pair", "179.00"),
        ],
    },
    CategorySeed {
        name: "Laptops",
        description: "Ultrabooks, workstations and everyday laptops.",
        hue: 220,
        blurb: "Ships with a full charge, the latest firmware and a one-year warranty.",
        products: &[
            ("Ultrabook 13, 16 GB, 512 GB", "1099.00"), ("Ultrabook 15, 32 GB, 1 TB", "1599.00"),
            ("Everyday Laptop 14, 8 GB, 256 GB", "549.00"), ("Creator Laptop 16, RTX", "2199.00"),
            ("Chromebook 11, 4 GB", "249.00"), ("2-in-1 Convertible 13", "899.00"), ("Gaming Laptop 17, 144 Hz", "1799.00"),
            ("Business Laptop 14, Vpro", "1299.00"), ("Student Laptop 15, 8 GB", "649.00"),
            ("Rugged Field Laptop 14", "2499.00"), ("Developer Laptop 14, Linux", "1399.00"),
            ("Lightweight Laptop 13, 1 kg", "1199.00"), ("Workstation Laptop 16, 64 GB", "3299.00"),
            ("Refurbished Ultrabook 13", "599.00"),
        ],
    },
    CategorySeed {
        name: "Phones & Tablets",
        description: "Smartphones, tablets and e-readers, unlocked.",
        hue: 190,
        blurb: "Unlocked for every network, with two years of security updates promised.",
        products: &[
            ("Smartphone 6.1, 128 GB", "699.00"), ("Smartphone 6.7 Pro, 256 GB", "1099.00"), ("Compact Phone 5.8, 128 GB", "499.00"),
            ("Budget Phone 6.5, 64 GB", "199.00"), ("Tablet 11, Wi-Fi, 128 GB", "449.00"), ("Tablet 13 Pro, 256 GB", "1099.00"),
            ("Kids' Tablet 8 with Case", "129.00"), ("E-Reader 6, Glare-Free", "119.00"), ("E-Reader 7, Waterproof", "179.00"),
            ("Foldable Phone, 512 GB", "1799.00"), ("Rugged Phone 6.3", "399.00"), ("Tablet 10, LTE, 64 GB", "329.00"),
            ("Refurbished Smartphone 6.1", "349.00"), ("Drawing Tablet with Stylus", "599.00"),
        ],
    },
    CategorySeed {
        name: "Keyboards & Mice",
        description: "Mechanical keyboards, ergonomic mice and desk accessories.",
        hue: 280,
        blurb: "Built for long days at the desk, tested for ten million presses.",
        products: &[
            ("Mechanical Keyboard, Brown Switches", "119.00"), ("Low-Profile Wireless Keyboard", "89.00"),
            ("Split Ergonomic Keyboard", "199.00"), ("Compact 65% Keyboard", "99.00"), ("Ergonomic Vertical Mouse", "49.99"),
            ("Wireless Mouse, Silent Click", "29.99"), ("Gaming Mouse, 26k DPI", "79.99"), ("Trackball Mouse", "69.99"),
            ("Large Desk Mat, Felt", "34.99"), ("Numeric Keypad, Wireless", "24.99"), ("Keycap Set, PBT", "59.00"),
            ("Wrist Rest, Memory Foam", "19.99"), ("Touchpad, Multi-Gesture", "99.00"), ("Keyboard and Mouse Combo", "59.99"),
        ],
    },
    CategorySeed {
        name: "Monitors",
        description: "Displays for work, play and colour-critical editing.",
        hue: 240,
        blurb: "Factory-calibrated, with a zero dead-pixel promise.",
        products: &[
            ("27 in 4K Monitor, USB-C", "429.00"), ("24 in Full HD Monitor", "149.00"), ("34 in Ultrawide Curved Monitor", "549.00"),
            ("27 in 1440p Gaming Monitor, 165 Hz", "329.00"), ("32 in 4K Creator Monitor", "899.00"),
            ("15.6 in Portable Monitor", "199.00"), ("49 in Super Ultrawide Monitor", "1099.00"),
            ("27 in 5K Monitor", "1299.00"), ("24 in Vertical Monitor", "229.00"), ("Dual Monitor Arm", "119.00"),
            ("Single Monitor Arm", "69.00"), ("Monitor Light Bar", "49.00"), ("22 in Office Monitor", "109.00"),
            ("OLED 27 in Gaming Monitor, 240 Hz", "999.00"),
        ],
    },
    CategorySeed {
        name: "Smart Home",
        description: "Lights, plugs, sensors and cameras that work together.",
        hue: 160,
        blurb: "Works with the major smart home standards and keeps running without the cloud.",
        products: &[
            ("Smart Bulb, Colour, E27", "19.99"), ("Smart Plug with Energy Monitor", "14.99"), ("Video Doorbell", "129.00"),
            ("Indoor Security Camera", "49.99"), ("Smart Thermostat", "199.00"), ("Motion Sensor", "24.99"),
            ("Door and Window Sensor, 2 pack", "29.99"), ("Smart Light Strip, 2 m", "39.99"), ("Robot Vacuum", "299.00"),
            ("Air Quality Monitor", "89.00"), ("Smart Lock", "179.00"), ("Home Hub with Display", "129.00"),
            ("Water Leak Sensor", "19.99"), ("Smart Radiator Valve", "49.00"),
        ],
    },
    CategorySeed {
        name: "Cables & Chargers",
        description: "USB-C, HDMI, power banks and fast chargers.",
        hue: 0,
        blurb: "Certified to the specification, so it charges fast and safely.",
        products: &[
            ("USB-C to USB-C Cable, 2 m", "14.99"), ("65 W GaN Charger, 3 Ports", "49.99"), ("Power Bank, 20,000 mAh", "39.99"),
            ("HDMI 2.1 Cable, 2 m", "19.99"), ("Wireless Charging Pad", "24.99"), ("USB-C Hub, 7-in-1", "59.99"),
            ("Lightning to USB-C Cable, 1 m", "17.99"), ("Thunderbolt 4 Cable, 0.8 m", "39.00"), ("Car Charger, Dual USB-C", "19.99"),
            ("DisplayPort Cable, 1.8 m", "12.99"), ("Travel Adapter, Worldwide", "29.99"), ("Magnetic Cable Organiser", "9.99"),
            ("Ethernet Cable, Cat 6, 5 m", "8.99"), ("140 W Laptop Charger", "89.00"),
        ],
    },
    CategorySeed {
        name: "Cameras & Photo",
        description: "Cameras, lenses, tripods and memory cards.",
        hue: 300,
        blurb: "Chosen with working photographers, and covered by the maker's warranty.",
        products: &[
            ("Mirrorless Camera Body, 24 MP", "1199.00"), ("Compact Travel Camera", "449.00"), ("Action Camera, 4K", "299.00"),
            ("50 mm f/1.8 Prime Lens", "199.00"), ("24-70 mm f/2.8 Zoom Lens", "1299.00"), ("Carbon Fibre Travel Tripod", "179.00"),
            ("SD Card, 128 GB, V60", "39.99"), ("Camera Backpack, 25 L", "129.00"), ("Instant Film Camera", "89.00"),
            ("Ring Light, 18 in", "69.00"), ("Gimbal Stabiliser for Phones", "99.00"), ("Webcam, 4K", "149.00"),
            ("Spare Camera Battery", "49.00"), ("Lens Cleaning Kit", "14.99"),
        ],
    },
];

/// Second paragraphs, chosen per product.
pub const DETAILS: &[&str] = &[
    "Customers come back to it week after week, and it is one of our most reviewed products.",
    "Each one is checked by hand before it leaves the warehouse.",
    "Packed in recyclable materials, with no unnecessary plastic.",
    "If it is not what you expected, send it back within 30 days for a full refund.",
    "Our team chose it after comparing it side by side with the alternatives.",
];

/// Words for synthetic benchmark products.
pub const ADJECTIVES: &[&str] = &[
    "Classic", "Compact", "Deluxe", "Everyday", "Fresh", "Premium", "Smart", "Organic", "Portable", "Quiet",
    "Rapid", "Slim", "Sturdy", "Ultra", "Vintage", "Wireless",
];
pub const NOUNS: &[&str] = &[
    "Blender", "Cable", "Charger", "Coffee", "Cookies", "Granola", "Headset", "Juice", "Keyboard", "Lamp",
    "Monitor", "Mouse", "Noodles", "Speaker", "Tea", "Tablet", "Yoghurt", "Webcam",
];
