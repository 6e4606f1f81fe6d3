with source as (
    select * from {{ source('raw', 'products') }}
),

latest as (
    select *
    from (
        select
            source.*,
            row_number() over (partition by id order by updated_at desc) as version_rank
        from source
    ) versions
    where version_rank = 1
),

renamed as (
    select
        id as product_id,
        sku,
        name as product_name,
        lower(trim(category)) as category,
        {{ cents_to_dollars('price_cents') }} as list_price,
        is_active,
        cast(updated_at as timestamp) as updated_at
    from latest
    where _deleted is false
)

select * from renamed
