with products as (
    select * from {{ ref('stg_products') }}
),

final as (
    select
        product_id,
        sku,
        product_name,
        category,
        list_price,
        is_active,
        updated_at
    from products
)

select * from final
