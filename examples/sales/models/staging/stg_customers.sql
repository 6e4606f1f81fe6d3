with source as (
    select * from {{ source('raw', 'customers') }}
),

-- Every daily file is a full snapshot: keep the latest version of each customer
-- (rows sent twice in a snapshot are identical, so any of them will do).
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
        id as customer_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        lower(trim(email)) as email,
        lower(trim(segment)) as segment,
        upper(trim(country_code)) as country_code,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at
    from latest
    where _deleted is false
)

select * from renamed
