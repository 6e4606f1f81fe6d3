{% snapshot customers_snapshot %}

{{
    config(
        target_schema='snapshots',
        unique_key='customer_id',
        strategy='timestamp',
        updated_at='updated_at'
    )
}}

-- stg_customers holds one clean row per customer (the raw files are daily full snapshots).
select * from {{ ref('stg_customers') }}

{% endsnapshot %}
