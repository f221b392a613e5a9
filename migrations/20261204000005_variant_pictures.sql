-- A variant's pictures: any of its product's gallery, in order (a shirt in
-- blue: its front and its back). The page shows the chosen variant's
-- pictures, or the whole gallery when it has none. Replaces the single
-- `product_variants.image_id`. Both keys name the product, so a variant can
-- only show its own product's pictures; removing a picture removes it here.
ALTER TABLE product_images ADD CONSTRAINT product_images_id_product_key UNIQUE (id, product_id);

CREATE TABLE product_variant_images (
    variant_id bigint  NOT NULL,
    product_id bigint  NOT NULL,
    image_id   bigint  NOT NULL,
    position   integer NOT NULL DEFAULT 0,
    CONSTRAINT product_variant_images_pkey PRIMARY KEY (variant_id, image_id),
    CONSTRAINT product_variant_images_variant_fkey FOREIGN KEY (variant_id, product_id)
        REFERENCES product_variants (id, product_id) ON DELETE CASCADE,
    CONSTRAINT product_variant_images_image_fkey FOREIGN KEY (image_id, product_id)
        REFERENCES product_images (id, product_id) ON DELETE CASCADE,
    CONSTRAINT product_variant_images_position_check CHECK (position >= 0)
);
CREATE INDEX product_variant_images_image_idx ON product_variant_images (image_id);

INSERT INTO product_variant_images (variant_id, product_id, image_id, position)
SELECT v.id, v.product_id, v.image_id, 0
FROM product_variants v JOIN product_images i ON i.id = v.image_id AND i.product_id = v.product_id;

-- The variant's other changes are noticed as before, without the column.
DROP TRIGGER product_variants_updated ON product_variants;
ALTER TABLE product_variants DROP COLUMN image_id;
CREATE TRIGGER product_variants_updated
    AFTER UPDATE ON product_variants
    FOR EACH ROW
    WHEN ((OLD.product_id, OLD.sku, OLD.price, OLD.offer_price, OLD.active, OLD.option_values, OLD.position)
          IS DISTINCT FROM (NEW.product_id, NEW.sku, NEW.price, NEW.offer_price, NEW.active, NEW.option_values, NEW.position))
    EXECUTE FUNCTION product_variant_changed();

-- Its pictures show on its product's page.
CREATE TRIGGER product_variant_images_added
    AFTER INSERT ON product_variant_images REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_variant_images_changed
    AFTER UPDATE ON product_variant_images REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
CREATE TRIGGER product_variant_images_removed
    AFTER DELETE ON product_variant_images REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION notify_product_rows_touched();
