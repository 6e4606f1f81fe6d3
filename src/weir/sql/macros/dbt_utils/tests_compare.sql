{#- Generic tests comparing a model with another relation. -#}

{#-
    Fails when the row counts differ (per group with group_by_columns). The
    failure count reported is the size of the difference, not a row count.
-#}
{% test equal_rowcount(model, compare_model, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_equal_rowcount', 'dbt_utils')(model, compare_model, group_by_columns)) }}
{% endtest %}

{% macro default__test_equal_rowcount(model, compare_model, group_by_columns=[]) %}
{{ config(fail_calc = 'coalesce(sum(diff_count), 0)') }}
{%- if not execute -%}
    {{ return('') }}
{%- endif -%}
{{ dbt_utils.rowcount_comparison(model, compare_model, group_by_columns, 'equal') }}
{% endmacro %}


{#-
    Fails when the model does not have fewer rows than compare_model. The
    failure count is the excess of rows (1 when the counts are equal).
-#}
{% test fewer_rows_than(model, compare_model, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_fewer_rows_than', 'dbt_utils')(model, compare_model, group_by_columns)) }}
{% endtest %}

{% macro default__test_fewer_rows_than(model, compare_model, group_by_columns=[]) %}
{{ config(fail_calc = 'coalesce(sum(row_count_delta), 0)') }}
{%- if not execute -%}
    {{ return('') }}
{%- endif -%}
{{ dbt_utils.rowcount_comparison(model, compare_model, group_by_columns, 'fewer') }}
{% endmacro %}


{#-
    Row counts of both relations side by side, per group, keeping the groups
    that fail. As in dbt_utils, the groups are joined on a constant key, and a
    group missing from one side has a null count and is not counted as a failure
    (so an empty model passes against a non-empty one).
-#}
{% macro rowcount_comparison(model, compare_model, group_by_columns, mode) %}
{%- set keys = ['id_dbtutils_test_rowcount'] + group_by_columns -%}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
with a as (
    select
        {{ group_select }}
        1 as id_dbtutils_test_rowcount,
        count(*) as count_a
    from {{ model }}
    group by {{ keys | join(', ') }}
),

b as (
    select
        {{ group_select }}
        1 as id_dbtutils_test_rowcount,
        count(*) as count_b
    from {{ compare_model }}
    group by {{ keys | join(', ') }}
),

counts as (
    select
        {%- for key in keys %}
        a.{{ key }} as {{ key }}_a,
        b.{{ key }} as {{ key }}_b,
        {%- endfor %}
        count_a,
        count_b
    from a
    full join b
        on {% for key in keys %}{{ 'and ' if not loop.first }}a.{{ key }} = b.{{ key }} {% endfor %}
),

measured as (
    select
        *,
        {%- if mode == 'equal' %}
        abs(count_a - count_b) as diff_count
        {%- else %}
        case
            when count_a > count_b then count_a - count_b
            when count_a = count_b then 1
            else 0
        end as row_count_delta
        {%- endif %}
    from counts
)

select *
from measured
where {{ 'diff_count' if mode == 'equal' else 'row_count_delta' }} > 0
{% endmacro %}


{#-
    Fails when the two relations do not hold the same set of rows (over
    compare_columns, or all columns of `model` minus exclude_columns; numeric
    columns rounded to `precision` when given). Duplicate rows are not compared.
-#}
{% test equality(model, compare_model, compare_columns=None, exclude_columns=None, precision=None) %}
    {{ return(adapter.dispatch('test_equality', 'dbt_utils')(model, compare_model, compare_columns, exclude_columns, precision)) }}
{% endtest %}

{% macro default__test_equality(model, compare_model, compare_columns=None, exclude_columns=None, precision=None) %}
{%- if compare_columns and exclude_columns -%}
    {{ exceptions.raise_compiler_error("Both a compare and an ignore list were provided to the `equality` macro. Only one is allowed") }}
{%- endif -%}
{%- set fail_calc -%}
count(*) + coalesce(abs(
    sum(case when which_diff = 'a_minus_b' then 1 else 0 end)
    - sum(case when which_diff = 'b_minus_a' then 1 else 0 end)
), 0)
{%- endset -%}
{{ config(fail_calc = fail_calc) }}
{%- if not execute -%}
    {{ return('') }}
{%- endif -%}
{%- do dbt_utils.check_relation(model, 'test_equality') -%}

{%- set model_columns = adapter.get_columns_in_relation(model) -%}
{%- if compare_columns -%}
    {%- set wanted = compare_columns | map('lower') | list -%}
{%- else -%}
    {%- do dbt_utils.check_not_ephemeral(model, 'test_equality') -%}
    {%- set excluded = (exclude_columns or []) | map('lower') | list -%}
    {%- set wanted = [] -%}
    {%- for col in model_columns -%}
        {%- if col.column | lower not in excluded -%}
            {%- do wanted.append(col.column | lower) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

{%- set numeric_words = ['int', 'decimal', 'numeric', 'double', 'float', 'real', 'number'] -%}
{%- set select_list = [] -%}
{%- if compare_columns and not precision -%}
    {%- set select_list = compare_columns -%}
{%- else -%}
    {%- for col in model_columns if col.column | lower in wanted -%}
        {%- set ns = namespace(numeric=false) -%}
        {%- for word in numeric_words if word in col.data_type | lower -%}
            {%- set ns.numeric = true -%}
        {%- endfor -%}
        {%- if precision and ns.numeric -%}
            {%- do select_list.append('round(' ~ col.quoted ~ ', ' ~ precision ~ ') as ' ~ col.quoted) -%}
        {%- else -%}
            {%- do select_list.append(col.quoted) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set columns_csv = select_list | join(', ') %}
with a as (
    select {{ columns_csv }} from {{ model }}
),

b as (
    select {{ columns_csv }} from {{ compare_model }}
),

a_minus_b as (
    select * from a
    {{ dbt.except() }}
    select * from b
),

b_minus_a as (
    select * from b
    {{ dbt.except() }}
    select * from a
),

unioned as (
    select 'a_minus_b' as which_diff, a_minus_b.* from a_minus_b
    union all
    select 'b_minus_a' as which_diff, b_minus_a.* from b_minus_a
)

select * from unioned
{% endmacro %}


{#- one row per value whose row count differs between model.column_name and to.field -#}
{% test cardinality_equality(model, column_name, to, field) %}
    {{ return(adapter.dispatch('test_cardinality_equality', 'dbt_utils')(model, column_name, to, field)) }}
{% endtest %}

{% macro default__test_cardinality_equality(model, column_name, to, field) %}
with table_a as (
    select {{ column_name }}, count(*) as num_rows
    from {{ model }}
    group by {{ column_name }}
),

table_b as (
    select {{ field }}, count(*) as num_rows
    from {{ to }}
    group by {{ field }}
),

except_a as (
    select * from table_a
    {{ dbt.except() }}
    select * from table_b
),

except_b as (
    select * from table_b
    {{ dbt.except() }}
    select * from table_a
)

select * from except_a
union all
select * from except_b
{% endmacro %}


{#-
    relationships restricted by a condition on each side: child values (not
    null, matching from_condition) with no parent among rows matching to_condition.
-#}
{% test relationships_where(model, column_name, to, field, from_condition="1=1", to_condition="1=1") %}
    {{ return(adapter.dispatch('test_relationships_where', 'dbt_utils')(model, column_name, to, field, from_condition, to_condition)) }}
{% endtest %}

{% macro default__test_relationships_where(model, column_name, to, field, from_condition="1=1", to_condition="1=1") %}
with left_table as (
    select {{ column_name }} as id
    from {{ model }}
    where {{ column_name }} is not null
        and {{ from_condition }}
),

right_table as (
    select {{ field }} as id
    from {{ to }}
    where {{ field }} is not null
        and {{ to_condition }}
)

select
    left_table.id,
    right_table.id as right_id
from left_table
left join right_table
    on left_table.id = right_table.id
where right_table.id is null
{% endmacro %}
