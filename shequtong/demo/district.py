"""The demo district: 宝山区, its 13 real subdistricts, invented community and estate names.

Counts follow the specification (PC-1): 465 urban and 103 rural communities,
788 estates / village groups. Only the subdistrict names are real.
"""

from __future__ import annotations

DISTRICT = ("宝山区", "310113")

# (name, kind, urban communities, rural communities)
SUBDISTRICTS: list[tuple[str, str, int, int]] = [
    ("友谊路街道", "street", 45, 0),
    ("吴淞街道", "street", 30, 0),
    ("张庙街道", "street", 49, 0),
    ("罗店镇", "town", 30, 22),
    ("大场镇", "town", 65, 6),
    ("杨行镇", "town", 38, 14),
    ("月浦镇", "town", 25, 16),
    ("罗泾镇", "town", 8, 22),
    ("顾村镇", "town", 65, 15),
    ("高境镇", "town", 40, 0),
    ("庙行镇", "town", 20, 4),
    ("淞南镇", "town", 40, 0),
    ("宝山工业园区", "park", 10, 4),
]
URBAN_TOTAL = 465
RURAL_TOTAL = 103
ESTATE_TOTAL = 788

URBAN_WORDS = [
    "友谊", "宝林", "盘古", "牡丹江", "密山", "海江", "永清", "淞滨", "同泰", "塘后", "泰和", "通河", "共康",
    "长江", "呼玛", "乾溪", "美兰", "罗南", "锦秋", "菊泉", "泗塘", "庙行", "场中", "陈华", "馨佳", "保利",
    "绿地", "华宸", "康宁", "新梅", "秋月", "春晖", "和平", "阳光", "紫藤", "樱花", "丹霞", "松风", "翠竹",
    "金杨", "银杏", "青松", "海棠", "明珠", "锦绣", "丰庄", "长兴", "宝虹", "南大", "殷高", "淞发", "祁连",
]
URBAN_SUFFIXES = ["一村", "二村", "三村", "四村", "五村", "新村", "花苑", "家园", "佳苑", "社区"]
RURAL_WORDS = [
    "沈杨", "毛家", "天平", "联合", "新陆", "花红", "李家", "束里", "东南弄", "王家", "西朱", "朱家", "民强",
    "胜利", "陈行", "沿江", "塘湾", "洋桥", "红星", "永丰", "长浜", "钱湾", "聚源", "合建", "海星", "金星",
]
ESTATE_WORDS = ["东苑", "西苑", "南苑", "北苑", "一期", "二期", "三期", "花园", "公寓", "名邸", "雅苑", "嘉园"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌宇浩凯琳慧佳雪梅婷俊峰云飞鹏志海燕晨阳欣怡子涵梓轩宏亮春雨晓东思远嘉豪雅琪心怡"

# Demo accounts (password Demo@2026, created only by seed_demo).
DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - published demo credential
