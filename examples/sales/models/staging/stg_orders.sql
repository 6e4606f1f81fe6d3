{{
    config(
        materialized='view',
        schema='staging'
    )
}}

with source as (
    select * from {{ source('raw', 'orders') }}
),

-- The extract re-sends orders (status changes, late soft deletes, plain duplicates):
-- keep only the latest version of each order, then drop what that version says is gone.
latest as (
    select *
    from (
        select
            source.*,
            row_number() over (
                partition by id
                order by cast(updated_at as timestamp) desc
            ) as version_rank
        from source
    ) versions
    where version_rank = 1
),

renamed as (
    select
        id as order_id,
        user_id as customer_id,
        {{ clean_status('status') }} as order_status,
        cast(created_at as timestamp) as ordered_at,
        cast(updated_at as timestamp) as updated_at,
        product_id,
        quantity,
        cast(unit_price as decimal(18,2)) as unit_price,
        cast(amount as decimal(18,2)) as order_amount
    from latest
    where _deleted is false
      and user_id is not null
      and quantity > 0
)

select * from renamed
